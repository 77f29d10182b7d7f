# What archiving and restoring files with GNU tar share (file sets, etcd member config sets and
# cold copies). Runs after common.sh.

# Everything a restore needs to put a file back as it was: numeric owners, modes, ACLs, all xattr
# namespaces (extraction keeps only user.* unless told), SELinux labels, and holes in sparse files.
# shellcheck disable=SC2034 # used by the programs that include this file
TAR_METADATA_FLAGS=(--numeric-owner --sparse --acls --selinux --xattrs --xattrs-include='*')

# names_from LIST: NAMES_FROM, the tar flags that read NUL-separated names from LIST, each a name
# even when it starts with a dash. tar 1.29 added --verbatim-files-from for that; tar 1.26
# (RHEL/CentOS 7) has no such option and never reads options from the list.
# shellcheck disable=SC2034 # NAMES_FROM: used by the programs that include this file
names_from() {
  NAMES_FROM=(--null -T "$1")
  if tar --verbatim-files-from --version >/dev/null 2>&1; then NAMES_FROM=(--null --verbatim-files-from -T "$1"); fi
}
