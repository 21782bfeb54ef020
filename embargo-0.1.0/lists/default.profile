# The default profile: what embargod blocks with no configuration file.
# Kaspersky's update, KSN telemetry, activation, management and
# in-product statistics endpoints: the software phoning home, not the
# vendor's web sites.
list kaspersky-update "kaspersky-update.list"
list kaspersky-ksn "kaspersky-ksn.list"
list kaspersky-activation "kaspersky-activation.list"
list kaspersky-management "kaspersky-management.list"
list kaspersky-statistics "kaspersky-statistics.list"
