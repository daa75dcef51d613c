import type { MessageKey } from './i18n/index.tsx';

export interface NavItem {
  to: string;
  label: MessageKey;
  /** The permission the page needs; the link is shown only to roles that hold it. */
  permission?: string;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/', label: 'nav.home' },
  { to: '/profiles', label: 'nav.profiles', permission: 'patient:read' },
  { to: '/patients', label: 'nav.patients', permission: 'patient:read' },
  { to: '/segments', label: 'nav.segments', permission: 'segment:read' },
  { to: '/admin/users', label: 'nav.users', permission: 'user:read' },
  { to: '/admin/roles', label: 'nav.roles', permission: 'user:read' },
  { to: '/admin/care-units', label: 'nav.careUnits', permission: 'user:read' },
  { to: '/admin/tokens', label: 'nav.tokens', permission: 'token:read' },
  { to: '/audit', label: 'nav.audit', permission: 'audit:read' },
  { to: '/imports', label: 'nav.imports', permission: 'import:read' },
  { to: '/sources/import', label: 'nav.contactImport', permission: 'source:manage' },
];
