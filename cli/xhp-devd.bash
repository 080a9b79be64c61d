# bash completion for xhp-devd(8)                     -*- shell-script -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   xhp-devd [--foreground] [--pidfile PATH] [--domid N] [--workers N]
#            [--timeout SECONDS] [--lock-dir DIR] [--heal-limit N]
#            [--state-file PATH]
#
# The options come from the program's --help (its "  -x, --long" lines),
# so this file never falls behind it. Installed as
# /usr/share/bash-completion/completions/xhp-devd.

_xhp_devd()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= prog=${COMP_WORDS[0]}
	local line opts=

	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	-p | --pidfile | -s | --state-file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-l | --lock-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	-d | --domid | -w | --workers | -t | --timeout | -H | --heal-limit)
		return
		;;
	esac
	command -v "$prog" >/dev/null 2>&1 || prog=/usr/sbin/xhp-devd
	while IFS= read -r line; do
		[[ $line =~ ^\ +(-[A-Za-z]),\ (--[a-z-]+) ]] &&
			opts+=" ${BASH_REMATCH[2]}"
	done < <("$prog" --help 2>/dev/null)
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}

complete -F _xhp_devd xhp-devd
