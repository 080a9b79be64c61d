# SPDX-License-Identifier: LGPL-2.1-or-later
# Test driver for cli/xhp-hotplug.bash: complete the last of the given
# words (split at "=" as bash splits them) and print the candidates,
# sorted, on one line. "@" stands for an empty word.
#   bash completion_driver.bash COMPLETION-FILE WORD... CURRENT-WORD
set -u
# shellcheck disable=SC1090
. "$1"
shift
COMP_WORDS=("${@/#@/}")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
# compopt fails outside a real completion: only the candidates count.
compopt() { :; }
_xhp_hotplug
printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ *$//'
echo
