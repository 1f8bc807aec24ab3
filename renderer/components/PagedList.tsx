/**
 * A list shown a page at a time with "Show more (N not shown)": pages of the
 * items it has, then (with `onMore`) the next page from main.
 */
import { useState, type LiHTMLAttributes, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { BigButton } from './BigButton';

type ItemAttributes = LiHTMLAttributes<HTMLLIElement> & Record<`data-${string}`, string | number | undefined>;

export interface PagedListProps<Item> {
  items: readonly Item[];
  itemKey(item: Item): string | number;
  render(item: Item): ReactNode;
  itemProps?(item: Item): ItemAttributes;
  /** Items shown per page of those at hand (default: all). */
  pageSize?: number;
  /** All items there are, when main has more than `items`. */
  total?: number;
  /** Loads the next page from main; absent when main has no more. */
  onMore?: () => void;
  busy?: boolean;
  className?: string;
  testId?: string;
  moreTestId?: string;
}

/** "Show more (N not shown)". */
export function ShowMore({ notShown, onClick, busy, testId }: { notShown: number; onClick(): void; busy?: boolean; testId?: string }) {
  const { t } = useTranslation();
  return (
    <BigButton icon="dots" className="paged-list__more" testId={testId} disabled={busy} onClick={onClick}>
      {t('common.showMore', { count: notShown })}
    </BigButton>
  );
}

export function PagedList<Item>({ items, itemKey, render, itemProps, pageSize, total, onMore, busy, className, testId, moreTestId }: PagedListProps<Item>) {
  const [limit, setLimit] = useState(pageSize ?? Number.POSITIVE_INFINITY);
  const shown = items.slice(0, limit);
  const hiddenHere = items.length > shown.length;
  const notShown = Math.max(0, (total ?? items.length) - shown.length);
  const more = () => {
    if (hiddenHere) setLimit((l) => l + (pageSize ?? items.length));
    else onMore?.();
  };
  return (
    <>
      <ul className={`paged-list${className ? ` ${className}` : ''}`} data-testid={testId}>
        {shown.map((item) => (
          <li key={itemKey(item)} {...itemProps?.(item)}>
            {render(item)}
          </li>
        ))}
      </ul>
      {hiddenHere || onMore ? <ShowMore notShown={notShown} onClick={more} busy={busy} testId={moreTestId} /> : null}
    </>
  );
}
