/**
 * An API endpoint found in a Python file, with the controls around it as
 * each framework declares them. The checks read these fields; the engine
 * reports the endpoint in the same language-neutral shape as TypeScript's
 * (`EndpointReport`: file, line, method, route, framework).
 */
import type { PyNode, PySourceIndex, PySyntaxError, Scope } from '../lang/py/source-index.js';

export type PyFramework = 'fastapi' | 'django-rest-framework' | 'flask';

/** A FastAPI dependency: `Depends(get_current_user)` or `Security(get_user, scopes=["admin"])`. */
export interface PyDependency {
  /** The dependency as written (`get_current_user`, `auth.verify`); '' for `Depends()` on a class annotation. */
  callable: string;
  kind: 'Depends' | 'Security';
  /** `Security(..., scopes=[...])`. */
  scopes: string[];
  /** Where it is declared: a handler parameter, the route decorator, the router, `include_router`, the app. */
  level: 'parameter' | 'route' | 'router' | 'include' | 'app';
  file: string;
  line: number;
  node: PyNode;
  /** The dependency function: in the endpoint's file, or in the module it is imported from (one hop, read on purpose). */
  definition?: PyNode;
  /** The file of `definition` when it was imported. */
  definitionIndex?: PySourceIndex;
}

/** A decorator on a Flask view or a DRF function view other than the route itself: `login_required`, `jwt_required`. */
export interface PyDecorator {
  /** The decorator's callee path: `login_required`, `jwt_required`, `limiter.limit`. */
  name: string;
  node: PyNode;
  line: number;
}

/** A DRF policy (permission, authentication or throttle classes) and where it was set. */
export interface DrfPolicy {
  names: string[];
  source: 'decorator' | 'class' | 'settings';
  file: string;
  line: number;
  node?: PyNode;
  /** From settings that leave the key out: DRF's own default (AllowAny for permissions). */
  builtIn?: boolean;
}

export interface PyEndpoint {
  file: string;
  framework: PyFramework;
  /** Upper case HTTP method. */
  method: string;
  /** As decorated (`/items/{item_id}`), with router and blueprint prefixes; for DRF from urls.py, else the view's name. */
  route: string;
  line: number;
  /** The route decorator, the `@api_view` function or the view class. */
  registration: PyNode;
  /** The function that handles the request, when it is written in this file (a ViewSet's inherited `list` is not). */
  handler?: PyNode;
  /** DRF: the view class. */
  viewClass?: PyNode;
  /** DRF: the action (`list`, `retrieve`, `get`...). */
  action?: string;
  /** FastAPI dependencies, outermost first (app, include, router, route, parameters). */
  dependencies: PyDependency[];
  /** Flask / DRF function-view decorators other than the route. */
  decorators: PyDecorator[];
  /** Flask `before_request` functions of the app or blueprint, defined in this file. */
  beforeRequest: PyNode[];
  /** DRF policies; undefined when set nowhere the analysis could read. */
  permissionClasses?: DrfPolicy;
  authenticationClasses?: DrfPolicy;
  throttleClasses?: DrfPolicy;
  /** DRF: why the project defaults (`REST_FRAMEWORK` in settings) are not known, when they are not. */
  drfDefaultsUnknown?: string;
  /** FastAPI: the router is included by another file, which was not found (its dependencies may apply). */
  mountUnknown?: string;
  /** FastAPI: the name of the router whose `include_router` is in another file. */
  mountRouter?: string;
  /** The code of this file that runs for the endpoint: handler, same-file dependencies and helpers it calls, class hooks. */
  scopes: Scope[];
  index: PySourceIndex;
  /**
   * The file that creates the app, when it is another one, read on purpose:
   * the FastAPI entry file that includes the router, the Flask file that
   * registers the blueprint. Its debug switch, middleware, limiter and
   * exception handlers apply to the endpoint.
   */
  entryFile?: PySourceIndex;
  /** DRF: the Django settings module read for REST_FRAMEWORK; DEBUG, MIDDLEWARE and EXCEPTION_HANDLER are read there too. */
  settingsFile?: PySourceIndex;
  /** Code in other files that runs for the endpoint: imported dependency functions (one import hop). */
  externalCode?: { index: PySourceIndex; scopes: Scope[] }[];
  /** A syntax error inside the endpoint's code: its items are unknown, with this as the reason. */
  syntaxError?: PySyntaxError;
}

/** The files whose app-wide settings apply to the endpoint, its own first: the file itself, then the entry file or Django settings read for it. */
export function appFilesOf(endpoint: PyEndpoint): PySourceIndex[] {
  return [endpoint.index, ...(endpoint.entryFile === undefined ? [] : [endpoint.entryFile]), ...(endpoint.settingsFile === undefined ? [] : [endpoint.settingsFile])];
}

export function scopeOfNode(node: PyNode): Scope {
  return { pos: node.pos, end: node.end };
}
