import type { Child } from 'hono/jsx'

/**
 * The pieces every page's tables and filters are made of. A cell carries its column's name, which
 * the phone layout shows beside the value when a row becomes a card; the roles keep the table a
 * table for screen readers that drop its semantics once its display is changed.
 */

export interface Column {
  label: string
  numeric?: boolean
}

export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <thead>
      <tr role="row">
        {columns.map((column) => (
          <th scope="col" role="columnheader" class={column.numeric ? 'num' : undefined}>
            {column.label}
          </th>
        ))}
      </tr>
    </thead>
  )
}

export function Cell(props: { label: string; numeric?: boolean; lead?: boolean; children?: Child }) {
  const classes = [props.numeric ? 'num' : '', props.lead ? 'lead' : ''].filter(Boolean).join(' ')
  return (
    <td role="cell" class={classes || undefined} data-label={props.label}>
      {props.children}
    </td>
  )
}

/** A filter's drop-down: "any" first, then each option, the chosen one selected. */
export function Choice(props: {
  label: string
  name: string
  any: string
  options: readonly string[]
  chosen: string
}) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">{props.any}</option>
        {props.options.map((option) => (
          <option value={option} selected={props.chosen === option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  )
}
