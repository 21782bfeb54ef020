# Every vendor on the FCC Covered List besides Kaspersky, for which the
# shipped lists hold domains.  Opt-in: the Covered List's scope is far
# narrower than a domain block; see each list's @scope.
list fcc-huawei "fcc-huawei.list"
list fcc-zte "fcc-zte.list"
list fcc-hytera "fcc-hytera.list"
list fcc-hikvision "fcc-hikvision.list"
list fcc-dahua "fcc-dahua.list"
list fcc-china-mobile "fcc-china-mobile.list"
list fcc-china-telecom "fcc-china-telecom.list"
list fcc-china-unicom "fcc-china-unicom.list"
