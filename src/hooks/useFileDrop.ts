import { useState, type DragEvent } from 'react';

/** Props to spread on a drop target, and whether files are being dragged over it (for styling). */
export interface FileDropTarget {
  readonly over: boolean;
  readonly handlers: {
    readonly onDragOver: (e: DragEvent<HTMLElement>) => void;
    readonly onDragEnter: (e: DragEvent<HTMLElement>) => void;
    readonly onDragLeave: () => void;
    readonly onDrop: (e: DragEvent<HTMLElement>) => void;
  };
}

/** A dropped file and its path inside the dropped folder (just the name for a loose file). */
export interface DroppedFile {
  readonly file: File;
  readonly path: string;
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    reader.readEntries(resolve, reject);
  });
}

/**
 * Every file under `entry`, with its path; directories are read in batches (readEntries returns at most ~100 at a
 * time).
 */
async function walk(entry: FileSystemEntry, out: DroppedFile[]): Promise<void> {
  const path = entry.fullPath.replace(/^\//, '');
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => {
      (entry as FileSystemFileEntry).file(resolve, reject);
    });
    out.push({ file, path });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
    for (const child of batch) await walk(child, out);
  }
}

/** The dropped files, folders expanded; falls back to the flat file list where entries are not available. */
async function droppedFiles(data: DataTransfer): Promise<DroppedFile[]> {
  const entries = Array.from(data.items)
    .map((item) => (typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null))
    .filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0 || !entries.some((e) => e.isDirectory))
    return Array.from(data.files, (file) => ({ file, path: file.name }));
  const out: DroppedFile[] = [];
  for (const entry of entries) await walk(entry, out);
  return out;
}

/**
 * Drag-and-drop of files onto an element. Only drags that carry files are accepted (text or links dragged over the
 * page are left to the browser), and a disabled target shows the "not allowed" cursor instead of dropping.
 */
export function useFileDrop(
  disabled: boolean,
  onFiles: (files: File[]) => void,
  onEntries?: (files: DroppedFile[]) => void,
): FileDropTarget {
  const [over, setOver] = useState(false);
  const onDragOver = (e: DragEvent<HTMLElement>): void => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
    setOver(true);
  };
  return {
    over,
    handlers: {
      onDragOver,
      onDragEnter: onDragOver,
      onDragLeave: () => {
        setOver(false);
      },
      onDrop: (e) => {
        e.preventDefault();
        setOver(false);
        if (disabled) return;
        // Entries must be taken during the drop event: the DataTransfer is emptied once the handler returns.
        const flat = Array.from(e.dataTransfer.files);
        if (onEntries === undefined) onFiles(flat);
        else
          void droppedFiles(e.dataTransfer).then(onEntries, () => {
            onEntries(flat.map((file) => ({ file, path: file.name })));
          });
      },
    },
  };
}
