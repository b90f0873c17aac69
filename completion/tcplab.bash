# summary: bash completion for tcplab: commands, lab numbers, variants, each command's options.
# Installed by 'make install' into BASHCOMPDIR as 'tcplab'; try it from a source tree with
#   source completion/tcplab.bash
# Lab numbers and variants come from 'tcplab list', so they are always the installed labs'.

_tcplab_labs()
{
	"$1" list 2>/dev/null | sed -n 's/^ *\([0-9][0-9]*\)  .*/\1/p'
}

# The variants of lab $2, as 'tcplab list' prints them under the lab.
_tcplab_variants()
{
	"$1" list 2>/dev/null | awk -v lab="$2" '
		/^ *[0-9]+  / { cur = $1 }
		cur == lab && $1 == "--variant" { print $2 }'
}

_tcplab()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	fi
	local prog=${words[0]} cmd="" lab="" i
	local commands="list lesson run grade inspect check doctor demo autograder"
	local themes="default high-contrast light" langs="en ko"

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--theme|--lang|--format|--variant|--src|--class|--out|--pcap|--record|--output|\
		--timeout|--seed|--auto|--conn|-j|--jobs|--compare) i=$((i + 1)) ;;   # and its argument
		-*) ;;
		*) if [[ -z $cmd ]]; then cmd=${words[i]}
		   elif [[ -z $lab && ${words[i]} =~ ^[0-9]+$ ]]; then lab=${words[i]}
		   fi ;;
		esac
	done

	# An option's argument first: what kind of word it takes.
	case $prev in
	--theme) COMPREPLY=($(compgen -W "$themes" -- "$cur")); return ;;
	--lang) COMPREPLY=($(compgen -W "$langs" -- "$cur")); return ;;
	--format)
		COMPREPLY=($(compgen -W "text json junit tap gradescope classroom markdown" -- "$cur"))
		return ;;
	--variant)
		COMPREPLY=($(compgen -W "$(_tcplab_variants "$prog" "${lab:-1}") all" -- "$cur"))
		return ;;
	--src|--class|--out) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--pcap|--record|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--timeout|--seed|--auto|--conn|-j|--jobs|--compare) return ;;
	esac

	local opts=""
	case $cmd in
	"")
		COMPREPLY=($(compgen -W "$commands --theme --lang --help --version" -- "$cur"))
		return ;;
	list|doctor) opts="--help" ;;
	lesson) opts="--lang --help" ;;
	run) opts="--variant --pcap --record --timeout --headless --help" ;;
	grade) opts="--src --format --output --pcap --record --seed --allow-same-uid --class --out -j --jobs --help" ;;
	demo) opts="--variant --auto --pcap --calls --compare --theme --lang --help" ;;
	inspect)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--tsv --stats --ladder --index-only --theme --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return ;;
	check)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--conn --lang --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return ;;
	autograder)
		if [[ $cword -eq 2 || ( ${words[2]} != gradescope && ${words[2]} != github ) ]]; then
			COMPREPLY=($(compgen -W "gradescope github" -- "$cur"))
			return
		fi
		lab=${words[3]}
		[[ $cword -eq 3 ]] && lab=""
		opts="--output --help" ;;
	*) return ;;
	esac
	if [[ -z $lab && $cur != -* ]]; then
		COMPREPLY=($(compgen -W "$(_tcplab_labs "$prog")" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	fi
}
complete -F _tcplab tcplab
