/**
 * A table for the admin pages that becomes a stack of cards where it has
 * less than ~800 px (a 7" screen, portrait): each cell then shows its
 * column's name beside it, so no column is squeezed until words break.
 */
import { useState, type HTMLAttributes, type ReactNode } from 'react';
import { ShowMore } from './PagedList';

export interface StackColumn<Row> {
  id: string;
  /** Column name; empty for an actions column. */
  header: string;
  cell(row: Row): ReactNode;
  className?: string;
  /** The cell shows text main sent in English (attendant-only; left out of the translation check). */
  untranslated?: boolean;
  testId?(row: Row): string | undefined;
}

type DataAttributes = HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string | number | undefined>;

export interface StackTableProps<Row> {
  columns: readonly StackColumn<Row>[];
  rows: readonly Row[];
  rowKey(row: Row): string | number;
  /** Attributes of each row (data-testid, data-*). */
  rowProps?(row: Row): DataAttributes;
  testId?: string;
  className?: string;
  /** Rows shown per page, with "Show more" (default: all). */
  pageSize?: number;
  moreTestId?: string;
}

export function StackTable<Row>({ columns, rows, rowKey, rowProps, testId, className, pageSize, moreTestId }: StackTableProps<Row>) {
  const [limit, setLimit] = useState(pageSize ?? Number.POSITIVE_INFINITY);
  const shown = rows.slice(0, limit);
  return (
    <div className="stack-table">
      <table className={`data-table stack-table__table${className ? ` ${className}` : ''}`} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.id}>{c.header}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => (
            <tr key={rowKey(row)} {...rowProps?.(row)}>
              {columns.map((c) => (
                <td
                  key={c.id}
                  className={c.className}
                  data-label={c.header || undefined}
                  data-testid={c.testId?.(row)}
                  data-untranslated={c.untranslated ? 'true' : undefined}
                >
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length < rows.length ? (
        <ShowMore notShown={rows.length - shown.length} testId={moreTestId} onClick={() => setLimit((l) => l + (pageSize ?? rows.length))} />
      ) : null}
    </div>
  );
}
