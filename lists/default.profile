# The default profile: what embargod blocks with no configuration file.
# Kaspersky's update, KSN telemetry, activation, cloud-console management
# and in-product statistics endpoints: the software phoning home, not
# the vendor's web sites and not the account pages people open by hand
# (those are in the whole-vendor profile).
list kaspersky-update "kaspersky-update.list"
list kaspersky-ksn "kaspersky-ksn.list"
list kaspersky-activation "kaspersky-activation.list"
list kaspersky-management "kaspersky-management.list"
list kaspersky-statistics "kaspersky-statistics.list"
