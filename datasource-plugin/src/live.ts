import {
  createDataFrame,
  FieldType,
  LoadingState,
  type DataFrame,
  type DataQueryResponse,
  type FieldConfig,
  type Labels,
} from '@grafana/data';
import { catchError, concat, defer, exhaustMap, map, type Observable, of, switchMap, timer } from 'rxjs';
import { postQuery, resultFor, type ApiRequest } from './api';

/** One live series: a (device, metric) pair with its points, appended in time order and trimmed to a window. */
export class LiveSeriesBuffer {
  readonly times: number[] = [];
  readonly values: Array<number | null> = [];
  config: FieldConfig;
  labels: Labels;

  constructor(
    readonly device: string,
    readonly metric: string
  ) {
    this.config = { displayNameFromDS: `${device} ${metric}` };
    this.labels = { device, metric };
  }

  /** Appends a point newer than the last one; older or equal timestamps are ignored. Returns whether it did. */
  append(time: number, value: number | null): boolean {
    if (!Number.isFinite(time) || (this.times.length > 0 && time <= this.times[this.times.length - 1])) {
      return false;
    }
    this.times.push(time);
    this.values.push(value);
    return true;
  }

  /** Drops points older than `t` (epoch ms): keeps the frame within the dashboard's time window. */
  trimBefore(t: number): void {
    let n = 0;
    while (n < this.times.length && this.times[n] < t) {
      n++;
    }
    if (n > 0) {
      this.times.splice(0, n);
      this.values.splice(0, n);
    }
  }

  /** The series as a data frame (`time`, `value` with the API's field config: unit, display name, axis). */
  toFrame(refId: string): DataFrame {
    return createDataFrame({
      refId,
      name: `${this.device} ${this.metric}`,
      fields: [
        { name: 'time', type: FieldType.time, values: [...this.times], config: {} },
        { name: 'value', type: FieldType.number, values: [...this.values], config: this.config, labels: this.labels },
      ],
    });
  }
}

/** What a live time-series query needs. */
export interface LiveOptions {
  baseUrl: string;
  refId: string;
  /** Expanded (device, metric) pairs. */
  series: Array<{ device: string; metric: string }>;
  /** Request for the history that seeds the frames (the query's own timeseries request). */
  history: ApiRequest;
  /** Window kept, ms (the dashboard range's length). */
  windowMs: number;
  /** Poll interval, ms. */
  intervalMs: number;
  /** Clock (epoch ms); tests may pass their own. */
  now?: () => number;
}

const keyOf = (device: string, metric: string) => `${device}\u0000${metric}`;

function fieldByName(frame: DataFrame, name: string) {
  return frame.fields.find((f) => f.name === name);
}

/** Seeds buffers from the history frames (matched by the value field's labels, else by the frame name). */
function seed(buffers: Map<string, LiveSeriesBuffer>, frames: DataFrame[]): void {
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    const value = frame.fields.find((f) => f.type === FieldType.number);
    if (!time || !value) {
      continue;
    }
    const labels = value.labels ?? {};
    const buffer =
      (labels.device && labels.metric && buffers.get(keyOf(labels.device, labels.metric))) ||
      [...buffers.values()].find((b) => `${b.device} ${b.metric}` === frame.name);
    if (!buffer) {
      continue;
    }
    buffer.config = { ...buffer.config, ...value.config };
    buffer.labels = { ...buffer.labels, ...labels };
    for (let i = 0; i < frame.length; i++) {
      buffer.append(Number(time.values[i]), value.values[i] ?? null);
    }
  }
}

/** Appends the rows of a `latest` answer (fields device, metric, time, value) to their buffers. */
function appendLatest(buffers: Map<string, LiveSeriesBuffer>, frames: DataFrame[]): void {
  for (const frame of frames) {
    const device = fieldByName(frame, 'device');
    const metric = fieldByName(frame, 'metric');
    const time = fieldByName(frame, 'time');
    const value = fieldByName(frame, 'value');
    if (!device || !metric || !time || !value) {
      continue;
    }
    for (let i = 0; i < frame.length; i++) {
      buffers
        .get(keyOf(String(device.values[i]), String(metric.values[i])))
        ?.append(Number(time.values[i]), value.values[i] ?? null);
    }
  }
}

/**
 * Live mode of a time-series query (issue 3): loads the history of the window once, then every `intervalMs`
 * asks the API for `latest` of the query's devices and metrics, appends new points to each series and trims
 * points older than `now − windowMs`. Emits `LoadingState.Streaming` responses keyed by refId. A failed poll
 * is reported in the response and polling goes on; a poll still running when the next is due is not doubled.
 * Unsubscribing stops the timer and cancels any request in flight: no fetch happens afterwards.
 */
export function liveTimeseries(opts: LiveOptions): Observable<DataQueryResponse> {
  const now = opts.now ?? Date.now;
  return defer(() => {
    const buffers = new Map(
      opts.series.map((s) => [keyOf(s.device, s.metric), new LiveSeriesBuffer(s.device, s.metric)])
    );
    const devices = [...new Set(opts.series.map((s) => s.device))];
    const metrics = [...new Set(opts.series.map((s) => s.metric))];
    const emit = (error?: string): DataQueryResponse => {
      for (const b of buffers.values()) {
        b.trimBefore(now() - opts.windowMs);
      }
      return {
        key: opts.refId,
        state: LoadingState.Streaming,
        data: [...buffers.values()].map((b) => b.toFrame(opts.refId)),
        ...(error ? { error: { refId: opts.refId, message: error } } : {}),
      };
    };
    const poll$ = timer(opts.intervalMs, opts.intervalMs).pipe(
      exhaustMap(() => {
        const t = now();
        const request: ApiRequest = {
          from: t - opts.windowMs,
          to: t,
          queries: [{ refId: opts.refId, queryType: 'latest', devices, metrics }],
        };
        return postQuery(opts.baseUrl, request).pipe(
          map((response) => {
            const { frames, errors } = resultFor(response, opts.refId);
            appendLatest(buffers, frames);
            return emit(errors[0]?.message);
          }),
          catchError((err: Error) => of(emit(err.message)))
        );
      })
    );
    return postQuery(opts.baseUrl, opts.history).pipe(
      map((response) => {
        const { frames, errors } = resultFor(response, opts.refId);
        seed(buffers, frames);
        return emit(errors[0]?.message);
      }),
      catchError((err: Error) => of(emit(err.message))),
      switchMap((first) => concat(of(first), poll$))
    );
  });
}

/** Live mode of other query types: re-runs `once` every `intervalMs` as a stream (`LoadingState.Streaming`). */
export function livePoll(once: () => Observable<DataQueryResponse>, intervalMs: number): Observable<DataQueryResponse> {
  return timer(0, intervalMs).pipe(
    exhaustMap(() => once()),
    map((r) => ({ ...r, state: r.state === LoadingState.Error ? LoadingState.Error : LoadingState.Streaming }))
  );
}
