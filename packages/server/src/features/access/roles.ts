// Built-in roles and the actions they allow. Roles are ordered: each includes the ones before it.
export const ROLES = ['read', 'write', 'delete', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = ['read', 'list', 'write', 'rotate', 'delete', 'admin'] as const;
export type Action = (typeof ACTIONS)[number];

const MIN_ROLE: Record<Action, Role> = { read: 'read', list: 'read', write: 'write', rotate: 'write', delete: 'delete', admin: 'admin' };

export const roleRank = (r: Role) => ROLES.indexOf(r);
export const roleAllows = (role: Role, action: Action) => roleRank(role) >= roleRank(MIN_ROLE[action]);
export const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);
