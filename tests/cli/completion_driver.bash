# SPDX-License-Identifier: LGPL-2.1-or-later
# Test driver for cli/xhp-hotplug.bash and cli/xhp-devd.bash: complete the last of the given
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
# The function the file names for the program (xhp-devd's for it; the
# personality links use xhp-hotplug's).
fn=_${COMP_WORDS[0]##*/}
fn=${fn//-/_}
declare -F "$fn" >/dev/null || fn=_xhp_hotplug
"$fn"
printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ *$//'
echo
