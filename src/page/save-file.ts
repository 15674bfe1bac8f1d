/** Saving bytes made in the page as a download (nothing is uploaded anywhere). */

/** Offers `blob` as a download named `fileName`. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers start reading the URL only after click() returns.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 60_000);
}

/** A file-name-safe stem of `base` (extension dropped, odd characters replaced). */
export function safeStem(base: string, fallback: string): string {
  return (
    base
      .replace(/\.[a-z0-9]{1,5}$/i, '')
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '') || fallback
  );
}
