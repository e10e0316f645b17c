/**
 * Rich-text editing of work-order descriptions and reports with TipTap (ProseMirror): headings, bold, italic,
 * strike, lists, quotes, code, links. Emits HTML; the API sanitises it before storing, and what it answers is
 * parsed back through the editor's schema (which drops anything the schema does not know) — the app never
 * injects API HTML with innerHTML.
 */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { ToolbarButton, useStyles2, type IconName } from '@grafana/ui';
import { EditorContent, useEditor, useEditorState, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect } from 'react';

/** Props of {@link RichTextEditor}. */
export interface RichTextEditorProps {
  /** HTML content. */
  value: string;
  /** Called with the new HTML after every edit (omit for read-only). */
  onChange?: (html: string) => void;
  /** Read-only display (no toolbar). */
  readOnly?: boolean;
  /** Accessible name of the editing area, e.g. "Description". */
  label: string;
  placeholder?: string;
}

/** HTML of an empty TipTap document. */
export const EMPTY_DOC = '<p></p>';

/** True when `html` has no visible text (TipTap's empty document is `<p></p>`). */
export function isEmptyHtml(html: string | null | undefined): boolean {
  return !html || html.replace(/<[^>]*>/g, '').trim() === '';
}

interface ToolbarItem {
  name: string;
  /** Icon (from @grafana/ui's bundled set) or a short text glyph. */
  icon?: IconName;
  glyph?: string;
  isActive: (e: Editor) => boolean;
  run: (e: Editor) => void;
}

const TOOLBAR: ToolbarItem[] = [
  {
    name: 'Bold',
    glyph: 'B',
    isActive: (e) => e.isActive('bold'),
    run: (e) => e.chain().focus().toggleBold().run(),
  },
  {
    name: 'Italic',
    glyph: 'I',
    isActive: (e) => e.isActive('italic'),
    run: (e) => e.chain().focus().toggleItalic().run(),
  },
  {
    name: 'Heading',
    glyph: 'H',
    isActive: (e) => e.isActive('heading', { level: 3 }),
    run: (e) => e.chain().focus().toggleHeading({ level: 3 }).run(),
  },
  {
    name: 'Bullet list',
    icon: 'list-ul',
    isActive: (e) => e.isActive('bulletList'),
    run: (e) => e.chain().focus().toggleBulletList().run(),
  },
  {
    name: 'Numbered list',
    glyph: '1.',
    isActive: (e) => e.isActive('orderedList'),
    run: (e) => e.chain().focus().toggleOrderedList().run(),
  },
  {
    name: 'Quote',
    icon: 'comment-alt',
    isActive: (e) => e.isActive('blockquote'),
    run: (e) => e.chain().focus().toggleBlockquote().run(),
  },
  {
    name: 'Code block',
    icon: 'brackets-curly',
    isActive: (e) => e.isActive('codeBlock'),
    run: (e) => e.chain().focus().toggleCodeBlock().run(),
  },
];

/** TipTap editor with a small, keyboard-accessible toolbar (Ctrl+B/I etc. work too). */
export function RichTextEditor({ value, onChange, readOnly = false, label, placeholder }: RichTextEditorProps) {
  const styles = useStyles2(getStyles);
  const editor = useEditor({
    extensions: [StarterKit.configure({ link: { openOnClick: readOnly, autolink: true } })],
    content: value || EMPTY_DOC,
    editable: !readOnly,
    editorProps: {
      attributes: {
        'aria-label': label,
        'aria-multiline': 'true',
        role: 'textbox',
        ...(readOnly ? { 'aria-readonly': 'true' } : {}),
        ...(placeholder ? { 'data-placeholder': placeholder } : {}),
        class: styles.content,
      },
    },
    onUpdate: ({ editor: e }) => onChange?.(e.getHTML()),
  });
  // A new value from outside (reload after save/409) replaces the document without echoing onChange.
  useEffect(() => {
    if (editor && !editor.isDestroyed && value !== editor.getHTML()) {
      editor.commands.setContent(value || EMPTY_DOC, { emitUpdate: false });
    }
  }, [editor, value]);
  useEffect(() => {
    editor?.setEditable(!readOnly, false);
  }, [editor, readOnly]);
  const active = useEditorState({
    editor,
    selector: ({ editor: e }) => (e ? TOOLBAR.map((t) => t.isActive(e)) : []),
  });

  return (
    <div className={cx(styles.wrapper, readOnly && styles.readOnly)}>
      {!readOnly && (
        <div className={styles.toolbar} role="toolbar" aria-label={`${label} formatting`}>
          {TOOLBAR.map((t, i) => (
            <ToolbarButton
              key={t.name}
              type="button"
              icon={t.icon}
              tooltip={t.name}
              aria-label={t.name}
              aria-pressed={Boolean(active?.[i])}
              variant={active?.[i] ? 'active' : 'default'}
              className={cx(t.name === 'Bold' && styles.bold, t.name === 'Italic' && styles.italic)}
              onClick={() => editor && t.run(editor)}
            >
              {t.glyph}
            </ToolbarButton>
          ))}
        </div>
      )}
      <EditorContent editor={editor} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({
    border: `1px solid ${theme.components.input.borderColor}`,
    borderRadius: theme.shape.radius.default,
    background: theme.components.input.background,
  }),
  readOnly: css({
    border: 'none',
    background: 'transparent',
  }),
  toolbar: css({
    display: 'flex',
    gap: theme.spacing(0.5),
    padding: theme.spacing(0.5, 1),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  bold: css({ fontWeight: theme.typography.fontWeightBold }),
  italic: css({ fontStyle: 'italic', fontFamily: 'serif' }),
  content: css({
    minHeight: theme.spacing(8),
    padding: theme.spacing(1),
    color: theme.colors.text.primary,
    outline: 'none',
    '&:focus-visible': {
      boxShadow: `0 0 0 2px ${theme.colors.primary.main}`,
    },
    '&[aria-readonly="true"]': {
      minHeight: 0,
      padding: 0,
    },
    p: { margin: theme.spacing(0, 0, 1) },
    'h1, h2, h3': { margin: theme.spacing(1, 0) },
    'ul, ol': { paddingLeft: theme.spacing(3), marginBottom: theme.spacing(1) },
    blockquote: {
      borderLeft: `3px solid ${theme.colors.border.medium}`,
      paddingLeft: theme.spacing(1),
      color: theme.colors.text.secondary,
    },
    pre: {
      background: theme.colors.background.canvas,
      padding: theme.spacing(1),
      borderRadius: theme.shape.radius.default,
      fontFamily: theme.typography.fontFamilyMonospace,
    },
    a: { color: theme.colors.text.link },
    'p.is-editor-empty:first-child::before': {
      content: 'attr(data-placeholder)',
      color: theme.colors.text.disabled,
      float: 'left',
      height: 0,
      pointerEvents: 'none',
    },
  }),
});
