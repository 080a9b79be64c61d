# bash completion for xhp-hotplug(8)                  -*- shell-script -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   xhp-hotplug PERSONALITY [OPTIONS] COMMAND [key=value...]
#   xhp-hotplug parse COMMAND [key=value...]
#   xhp-hotplug lock NAME [--timeout SECONDS] -- PROGRAM [ARGS...]
#   xhp-hotplug status [--json] [--repair] [--lock-dir DIR]
#                      [--devd-state FILE] [DOMID[.DEVID]]
#   xhp-hotplug libvirt-hook DRIVER OBJECT OP SUBOP EXTRA
#
# The personalities and the setting keys come from the program itself
# (the "Personalities:" and "Settings (key=value):" lines of --help), so
# this file never falls behind the library. Needs nothing from the
# bash-completion package; installed as
# /usr/share/bash-completion/completions/xhp-hotplug.

# _xhp_hotplug_list PROGRAM LABEL: the words after "LABEL" in --help.
_xhp_hotplug_list()
{
	local line
	while IFS= read -r line; do
		if [[ $line == "$2"* ]]; then
			printf '%s\n' "${line#"$2"}"
			return
		fi
	done < <("$1" --help 2>/dev/null)
}

_xhp_hotplug()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= prog=${COMP_WORDS[0]}
	local self i w mode= pers= cmd_seen= key
	local commands="add remove online offline"
	local options="-n --dry-run --timeout -h --help --version"

	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	self=$prog
	[[ ${prog##*/} == xhp-hotplug ]] || self=xhp-hotplug
	command -v "$self" >/dev/null 2>&1 || self=/usr/sbin/xhp-hotplug

	# key=value: "=" splits words (COMP_WORDBREAKS), so the key is the
	# word before a "=" word.
	key=
	if [[ $cur == = ]]; then
		key=$prev
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		key=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	if [[ -n $key ]]; then
		case $key in
		type_if) COMPREPLY=($(compgen -W "vif tap" -- "$cur")) ;;
		bridge | netdev | gatewaydev)
			COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" \
				-- "$cur"))
			;;
		esac
		return
	fi

	# Where are we: which personality, and is the command given yet?
	if [[ ${prog##*/} != xhp-hotplug ]]; then
		pers=${prog##*/}
		mode=run
		i=1
	else
		i=2
		case ${COMP_WORDS[1]} in
		parse) mode=parse ;;
		lock) mode=lock ;;
		status) mode=status ;;
		libvirt-hook) mode=hook ;;
		*) pers=${COMP_WORDS[1]} mode=run ;;
		esac
		if ((COMP_CWORD == 1)); then
			COMPREPLY=($(compgen -W "parse lock status libvirt-hook \
				--help --version \
				$(_xhp_hotplug_list "$self" Personalities:)" \
				-- "$cur"))
			return
		fi
	fi

	if [[ $mode == status ]]; then
		case $prev in
		--lock-dir) COMPREPLY=($(compgen -d -- "$cur")) ;;
		--devd-state) COMPREPLY=($(compgen -f -- "$cur")) ;;
		*) [[ $cur == -* ]] && COMPREPLY=($(compgen -W "--json \
			--repair --lock-dir --devd-state --help" -- "$cur")) ;;
		esac
		return
	fi
	if [[ $mode == hook ]]; then
		# libvirt calls it; by hand, the driver is what one chooses.
		((COMP_CWORD == 2)) &&
			COMPREPLY=($(compgen -W "qemu libxl lxc network" \
				-- "$cur"))
		return
	fi

	if [[ $mode == lock ]]; then
		for ((; i < COMP_CWORD; i++)); do
			if [[ ${COMP_WORDS[i]} == -- ]]; then
				# The program and its arguments.
				if ((i + 1 == COMP_CWORD)); then
					COMPREPLY=($(compgen -c -- "$cur"))
				else
					COMPREPLY=($(compgen -f -- "$cur"))
				fi
				return
			fi
		done
		case $prev in
		lock) COMPREPLY=($(compgen -W "block iptables" -- "$cur")) ;;
		--timeout) ;;
		*) COMPREPLY=($(compgen -W "--timeout --" -- "$cur")) ;;
		esac
		return
	fi

	[[ $prev == --timeout ]] && return
	for ((; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == --timeout ]]; then
			((i++))
		elif [[ $w != -* ]]; then
			cmd_seen=1
			break
		fi
	done
	if [[ -z $cmd_seen ]]; then
		if [[ $mode == run && $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$options" -- "$cur"))
		elif [[ $mode == run ]]; then
			COMPREPLY=($(compgen -W "$commands $options" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi
	# After the command: settings as key=, type_if=, or udev's bare form.
	COMPREPLY=($(compgen -S = -W "type_if \
		$(_xhp_hotplug_list "$self" 'Settings (key=value):')" \
		-- "$cur") $(compgen -W "vif tap" -- "$cur"))
	[[ " ${COMPREPLY[*]} " == *"= "* ]] && compopt -o nospace 2>/dev/null
	return 0
}

complete -F _xhp_hotplug xhp-hotplug
