/**
 * Theme overrides for naive-ui: one calm accent, compact type and radii for WinBox-like density,
 * the same shapes in light and dark so only colours change between them.
 */
import type { GlobalThemeOverrides } from 'naive-ui';

const shared: GlobalThemeOverrides['common'] = {
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', sans-serif",
  fontFamilyMono: "ui-monospace, 'SF Mono', 'JetBrains Mono', Menlo, Consolas, monospace",
  fontSize: '13px',
  fontSizeSmall: '12px',
  fontSizeMedium: '13px',
  borderRadius: '5px',
  borderRadiusSmall: '4px',
  heightSmall: '26px',
  heightMedium: '30px',
};

export const lightOverrides: GlobalThemeOverrides = {
  common: { ...shared, primaryColor: '#2563eb', primaryColorHover: '#3b7bf6', primaryColorPressed: '#1d4fd0', primaryColorSuppl: '#3b7bf6', bodyColor: '#f5f6f8', successColor: '#16a34a', warningColor: '#d97706', errorColor: '#dc2626' },
  DataTable: { thPaddingSmall: '6px 10px', tdPaddingSmall: '4px 10px', thColor: '#f8f9fb' },
  Card: { paddingSmall: '10px 14px' },
};

export const darkOverrides: GlobalThemeOverrides = {
  common: { ...shared, primaryColor: '#6b9bff', primaryColorHover: '#86adff', primaryColorPressed: '#4f82f0', primaryColorSuppl: '#86adff', bodyColor: '#121418', cardColor: '#191c21', modalColor: '#1d2026', popoverColor: '#1f2228', tableColor: '#191c21', successColor: '#34d399', warningColor: '#fbbf24', errorColor: '#f87171' },
  DataTable: { thPaddingSmall: '6px 10px', tdPaddingSmall: '4px 10px', thColor: '#1c1f25', tdColor: '#191c21' },
  Card: { paddingSmall: '10px 14px' },
};
