"""Payout reconciliation (issue 13; docs/reconciliation.md): expected settlement from Robnu's own data and the
marketplaces' dated fee rules, matched against synced payouts and bank credits, differences as adjustments."""
