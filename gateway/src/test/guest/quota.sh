# quota.sh - the quota check shared by policy.sh and dialects.sh (PolicyFixture's VM alpha, /cache limited to
# 100000 bytes by the test).  Not run alone: the test puts it, after tap.sh, in front of the script.

quota_is_edquot() {
    dd if=/dev/zero of=cache/a bs=60000 count=1 2>/dev/null
    fails_with "quota exceeded" "write past the quota" dd if=/dev/zero of=cache/b bs=60000 count=1
    rm -f cache/b
    rm cache/a
    dd if=/dev/zero of=cache/c bs=60000 count=1 2>/dev/null
    expect "$(stat -c %s cache/c)" 60000 "space came back after rm"
}
