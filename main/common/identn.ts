/** The three authenticators of the identN chain, in the order they are tried. */
export const AUTHENTICATORS = ['impersonation', 'tokenizer', 'apikey'] as const;
export type Authenticator = (typeof AUTHENTICATORS)[number];

/** Where an effective setting came from; `env` and `file` values are pinned. */
export type SettingSource = 'env' | 'file' | 'stored' | 'default';

export interface AuthenticatorState {
  enabled: boolean;
  source: SettingSource;
  /** The variable or key that pins this value, when it is pinned. */
  pinnedBy?: string;
}

export type IdentnState = Record<Authenticator, AuthenticatorState>;

/** Body of `GET /api/v1/global/config`. Never carries a secret. */
export interface GlobalConfigResponse {
  data: {
    identN: Record<Authenticator, { enabled: boolean; source: SettingSource; pinnedBy?: string }>;
    /** Whether people may create their own accounts on the sign-in page (SPEC §3). */
    signup: { enabled: boolean };
    version: string;
  };
}
