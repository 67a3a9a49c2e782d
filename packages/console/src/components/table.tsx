// Shared list markup: a data table (labelled, keyboard-reachable region; column headers; one
// "nothing here" row when empty; rows as cards on narrow screens through TableWrap) and the
// Newer/Older pager of the paged lists.
import type { ComponentChildren, JSX } from 'preact';
import { TableWrap } from './ui';

export interface DataTableProps<T> {
  /** The region's accessible name (tests and screen readers find the table by it). */
  label: string;
  /** A caption read by screen readers only. */
  caption?: ComponentChildren;
  /** Column headers; an empty string is an actions column, named for screen readers only. */
  columns: string[];
  items: T[];
  /** Shown in a single row when `items` is empty. */
  empty: ComponentChildren;
  /** One `<tr>` per item (give it a key). */
  row: (item: T, index: number) => JSX.Element;
}

export const DataTable = <T,>({ label, caption, columns, items, empty, row }: DataTableProps<T>) => (
  <TableWrap label={label}>
    <table>
      {caption ? <caption class="sr-only">{caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th scope="col" key={i}>
              {c || <span class="sr-only">Actions</span>}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {items.length === 0 ? (
          <tr>
            <td colSpan={columns.length} class="muted">
              {empty}
            </td>
          </tr>
        ) : (
          items.map(row)
        )}
      </tbody>
    </table>
  </TableWrap>
);

/** Newer/Older over pages of `size` items, newest first: `page` is 1-based; Older needs a cursor. */
export const Pager = (p: { label: string; page: number; canOlder: boolean; onNewer: () => void; onOlder: () => void }) => (
  <nav class="pager" aria-label={p.label}>
    <button type="button" class="secondary" disabled={p.page <= 1} onClick={p.onNewer}>
      Newer
    </button>
    <span class="muted">Page {p.page}</span>
    <button type="button" class="secondary" disabled={!p.canOlder} onClick={p.onOlder}>
      Older
    </button>
  </nav>
);
