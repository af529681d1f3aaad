// Plain limits shared by the contracts and the registry. Kept free of zod: the authorizer reads the registry but
// validates no body, and importing these through naming.ts put 81 KB of zod into its bundle, which loads before
// every cold request (cost review, 2026-12-06).

/** The registry sorts versions by their parts padded to this many digits. */
export const VERSION_PART_MAX_DIGITS = 10;
