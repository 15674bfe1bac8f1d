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

/**
 * Drag-and-drop of files onto an element. Only drags that carry files are accepted (text or links dragged over the
 * page are left to the browser), and a disabled target shows the "not allowed" cursor instead of dropping.
 */
export function useFileDrop(disabled: boolean, onFiles: (files: File[]) => void): FileDropTarget {
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
        if (!disabled) onFiles(Array.from(e.dataTransfer.files));
      },
    },
  };
}
