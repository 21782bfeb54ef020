# The whole-vendor profile: the default profile, plus every Kaspersky web
# site and brand domain and the account, sign-in and licence pages that
# people open by hand, except the threat-intelligence portals that the
# BIS prohibition leaves out (kaspersky-bis-carveout).  To block those
# too:  list kaspersky-bis-carveout disabled
profile default
list kaspersky-account "kaspersky-account.list"
list kaspersky-web "kaspersky-web.list"
list kaspersky-bis-carveout "kaspersky-bis-carveout.list"
