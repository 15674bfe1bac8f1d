/**
 * Icons drawn inline as SVG, so they look the same on every machine: emoji and symbol glyphs render as empty boxes
 * where no font has them. Decorative: the button around an icon carries the accessible name.
 */

const PATHS = {
  // A bin: lid, handle and body with two ribs.
  delete: 'M9 3h6M4 6h16M6 6l1 14h10l1-14M10 10v6M14 10v6',
  // A pencil.
  edit: 'M4 20l1-4L16 5l3 3L8 19l-4 1zM14 7l3 3',
} as const;

/** The icons there are. */
export type IconName = keyof typeof PATHS;

/** A 1em stroke icon in the text colour. */
export function Icon({ name }: { readonly name: IconName }) {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      width="1em"
      height="1em"
      aria-hidden="true"
      focusable="false"
      data-icon={name}
    >
      <path
        d={PATHS[name]}
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
