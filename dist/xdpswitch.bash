# SPDX-License-Identifier: Apache-2.0
# bash completion for xdpswitch: commands from `xdpswitch help`, agent
# options from `xdpswitch agent --help`, bridges from /run/xdpswitch.
_xdpswitch() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cmd
	if [ "$COMP_CWORD" = 1 ]; then
		COMPREPLY=($(compgen -W "$(xdpswitch help 2>/dev/null | awk '/^  [a-z]/ {print $1}')" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	case "$prev" in
	--bridge)
		COMPREPLY=($(compgen -W "$(ls /run/xdpswitch 2>/dev/null | sed -n 's/\.sock$//p')" -- "$cur"))
		return ;;
	--flows | --config | --datapath-object | add-flows | replace-flows)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	if [ "$cmd" = agent ]; then
		if [[ "$cur" == -* ]]; then
			COMPREPLY=($(compgen -W "$(xdpswitch agent --help 2>/dev/null | grep -o -- '--[a-z-]*' | sort -u)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur"))
		fi
		return
	fi
	[[ "$cur" == -* ]] && COMPREPLY=($(compgen -W "--bridge --json --strict --force --stats --help" -- "$cur"))
}
complete -F _xdpswitch xdpswitch
