// A small history router under /ui/: the path picks the page, the query holds its filters, so a
// page can be reloaded or linked. Links are ordinary <a href>; clicks are taken over here.
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/ui';

export interface Route {
  page: string;
  rest: string;
  query: URLSearchParams;
}

const parse = (): Route => {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  const [, page = '', ...rest] = path.split('/');
  return { page, rest: rest.map(decodeURIComponent).join('/'), query: new URLSearchParams(location.search) };
};

const listeners = new Set<() => void>();
export const navigate = (to: string, o: { replace?: boolean } = {}) => {
  const url = to.startsWith(BASE) ? to : BASE + to;
  if (o.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((f) => f());
};
export const href = (to: string) => BASE + to;

export const useRoute = (): Route => {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const update = () => setRoute(parse());
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return route;
};

/** Same-origin link clicks without modifier keys navigate inside the app. */
export const interceptLinks = () => {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest?.('a');
    if (!a || a.target || a.origin !== location.origin || !a.pathname.startsWith(BASE)) return;
    e.preventDefault();
    navigate(a.pathname + a.search);
  });
};
