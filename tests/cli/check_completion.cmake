# bash completion (cli/xhp-hotplug.bash) against the built program:
# personalities, subcommands, options, commands, setting keys and values.
# -DBASH=<bash> -DCOMPLETION=<xhp-hotplug.bash> -DDRIVER=<driver>
# -DCLI_DIR=<dir of xhp-hotplug> -DDEVD_COMPLETION=<xhp-devd.bash>
set(failures "")
# expect("WORD;WORD;CURRENT" "candidates, sorted, space-separated"), with
# "@" for an empty word (the cursor after a space).
function(expect words want)
	execute_process(COMMAND ${CMAKE_COMMAND} -E env
		"PATH=${CLI_DIR}:$ENV{PATH}"
		${BASH} ${DRIVER} ${COMPLETION} ${words}
		RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
	string(STRIP "${out}" out)
	if(NOT rc EQUAL 0 OR NOT out STREQUAL "${want}")
		string(REPLACE ";" " " w "${words}")
		set(failures "${failures}'${w}': exit ${rc}, got '${out}', want '${want}' ${err}\n"
			PARENT_SCOPE)
	endif()
endfunction()

set(cmds "add offline online remove")
set(opts "--dry-run --help --timeout --version -h -n")
expect("xhp-hotplug;@"
	"--help --version block libvirt-hook lock parse policy status vif-bridge vif-openvswitch vif-route")
expect("xhp-hotplug;st" "status")
expect("xhp-hotplug;status;--" "--devd-state --help --json --lock-dir --repair")
expect("xhp-hotplug;status;--json;--r" "--repair")
expect("xhp-hotplug;status;@" "")
expect("xhp-hotplug;libvirt-hook;@" "libxl lxc network qemu")
expect("xhp-hotplug;libvirt-hook;qemu;@" "")
expect("xhp-hotplug;vif-b" "vif-bridge")
expect("xhp-hotplug;vif-route;@" "${opts} ${cmds}")
expect("xhp-hotplug;vif-route;--" "--dry-run --help --timeout --version")
expect("xhp-hotplug;block;--timeout;@" "")
expect("xhp-hotplug;block;--timeout;5;on" "online")
expect("xhp-hotplug;vif-bridge;-n;online;br" "bridge=")
expect("xhp-hotplug;vif-bridge;online;ovsdb_t" "ovsdb_timeout=")
expect("xhp-hotplug;vif-bridge;add;ty" "type= type_if=")
expect("xhp-hotplug;vif-bridge;add;t" "tap type= type_if=")
expect("xhp-hotplug;vif-bridge;add;type_if;=" "tap vif")
expect("xhp-hotplug;vif-bridge;add;type_if;=;t" "tap")
expect("xhp-hotplug;parse;@" "${cmds}")
expect("xhp-hotplug;parse;online;vifn" "vifname=")
expect("xhp-hotplug;lock;@" "block iptables")
expect("xhp-hotplug;lock;block;@" "-- --timeout")
expect("xhp-hotplug;lock;block;--;xhp-hot" "xhp-hotplug")
# Under a personality's name (the links in /usr/libexec/xhp).
expect("/usr/libexec/xhp/vif-bridge;of" "offline")
expect("/usr/libexec/xhp/block;add;para" "params=")
# Every key of the library's table: the ones no other key starts.
foreach(k bridge mac ip mtu rate vlan netdev gatewaydev params mode
		iface_id ovsdb_socket)
	expect("xhp-hotplug;vif-route;online;${k}" "${k}=")
endforeach()
# xhp-devd: its options, from its --help.
set(COMPLETION ${DEVD_COMPLETION})
expect("xhp-devd;--"
	"--domid --foreground --heal-limit --help --lock-dir --pidfile --state-file --timeout --version --workers")
expect("xhp-devd;--he" "--heal-limit --help")
expect("xhp-devd;--workers;@" "")
expect("xhp-devd;-F;--st" "--state-file")
if(failures)
	message(FATAL_ERROR "${failures}")
endif()
message(STATUS "completion: all cases")
