/** jest only: renders the app root the way Grafana 12 does — under the route `/a/<id>/*` — at `path`. */
import type { AppRootProps } from '@grafana/data';
import { configure, render } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { App } from '../components/App';
import { APP_BASE } from '../constants';

// Whole pages on a loaded 2-core CI machine: give findBy*/waitFor more than the default 1 s.
configure({ asyncUtilTimeout: 15_000 });

/** Renders `<App/>` at `APP_BASE + path` (e.g. `/work-orders/1`). */
export function renderApp(path: string) {
  const props = {
    meta: { id: 'openbess-maintenance-app', jsonData: {} },
    basename: APP_BASE,
    query: {},
    path,
    onNavChanged: () => {},
  } as unknown as AppRootProps;
  return render(
    <MemoryRouter
      future={{ v7_startTransition: true, v7_relativeSplatPath: true }}
      initialEntries={[`${APP_BASE}${path.startsWith('/') ? path : `/${path}`}`]}
    >
      <Routes>
        <Route path={`${APP_BASE}/*`} element={<App {...props} />} />
      </Routes>
    </MemoryRouter>
  );
}
