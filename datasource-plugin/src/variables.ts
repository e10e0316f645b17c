import { CustomVariableSupport, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import type { Observable } from 'rxjs';
import { map } from 'rxjs';
import { postQuery, resultFor } from './api';
import type { BessDataSource } from './datasource';
import { toVariableApiQuery } from './queries';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import { DEFAULT_VARIABLE_QUERY, type BessVariableQuery } from './types';

/**
 * Template variables (`$site`, `$block`, `$string`, `$device`, `$metric`) from the API's `variable` query: the
 * answer's `text`/`value` frame is what Grafana reads as variable options. Parents (site, block, device) may
 * themselves be (multi-value) variables.
 */
export class BessVariableSupport extends CustomVariableSupport<BessDataSource, BessVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: BessDataSource) {
    super();
  }

  query(request: DataQueryRequest<BessVariableQuery>): Observable<DataQueryResponse> {
    const target = request.targets[0];
    const apiQuery = toVariableApiQuery(
      { ...DEFAULT_VARIABLE_QUERY, ...target, refId: target.refId || 'variable' } as BessVariableQuery,
      request.scopedVars
    );
    const from = request.range.from.valueOf();
    const to = Math.max(request.range.to.valueOf(), from + 1);
    return postQuery(this.datasource.baseUrl, { from, to, queries: [apiQuery] }).pipe(
      map((response) => {
        const { frames, errors } = resultFor(response, apiQuery.refId);
        return { data: frames, ...(errors.length ? { error: errors[0] } : {}) };
      })
    );
  }
}
