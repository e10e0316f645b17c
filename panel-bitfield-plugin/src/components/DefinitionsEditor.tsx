/**
 * Options editor for "Bit definitions" (YAML or JSON), validated on every change. Valid text is applied at once;
 * invalid text stays in the editor (so typing can go on) and is not applied, with each error naming its line and
 * field path.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, StandardEditorProps } from '@grafana/data';
import { Button, TextArea, useStyles2 } from '@grafana/ui';
import { EXAMPLE_DEFINITIONS, formatDefinitionError, parseDefinitions } from '../data/definitions';

const getEditorStyles = (theme: GrafanaTheme2) => ({
  text: css({ fontFamily: theme.typography.fontFamilyMonospace, fontSize: theme.typography.bodySmall.fontSize }),
  errors: css({
    margin: theme.spacing(0.5, 0),
    padding: theme.spacing(0.5, 1),
    borderLeft: `3px solid ${theme.colors.error.main}`,
    color: theme.colors.error.text,
    fontSize: theme.typography.bodySmall.fontSize,
    ul: { margin: 0, paddingLeft: theme.spacing(2) },
  }),
  ok: css({
    margin: theme.spacing(0.5, 0),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});

export function DefinitionsEditor({ value, onChange }: StandardEditorProps<string>) {
  const styles = useStyles2(getEditorStyles);
  const id = useId();
  const [text, setText] = useState(value ?? '');
  const applied = useRef(value ?? '');
  // Follow changes made elsewhere (e.g. dashboard JSON edits), not the echo of our own onChange.
  useEffect(() => {
    if ((value ?? '') !== applied.current) {
      applied.current = value ?? '';
      setText(value ?? '');
    }
  }, [value]);
  const result = useMemo(() => parseDefinitions(text), [text]);

  const update = (next: string) => {
    setText(next);
    if (parseDefinitions(next).errors.length === 0) {
      applied.current = next;
      onChange(next);
    }
  };
  const bitCount = result.registers.reduce((n, r) => n + r.bits.length, 0);

  return (
    <div>
      <TextArea
        className={styles.text}
        value={text}
        rows={12}
        spellCheck={false}
        aria-label="Bit definitions (YAML or JSON)"
        aria-invalid={result.errors.length > 0}
        aria-describedby={`${id}-status`}
        placeholder={EXAMPLE_DEFINITIONS}
        onChange={(e) => update(e.currentTarget.value)}
      />
      {result.errors.length > 0 ? (
        <div id={`${id}-status`} className={styles.errors} role="alert">
          Not applied until fixed:
          <ul>
            {result.errors.map((e, i) => (
              <li key={i}>{formatDefinitionError(e)}</li>
            ))}
          </ul>
        </div>
      ) : (
        <div id={`${id}-status`} className={styles.ok} role="status">
          {result.registers.length === 0
            ? 'No definitions (not needed with the OpenBESS Status query).'
            : `${result.registers.length} register${result.registers.length === 1 ? '' : 's'}, ${bitCount} bit${
                bitCount === 1 ? '' : 's'
              } defined.`}
        </div>
      )}
      <Button size="sm" variant="secondary" onClick={() => update(EXAMPLE_DEFINITIONS)}>
        Insert example
      </Button>
    </div>
  );
}
