# Sourced by the scripts: exports the variables of a dotenv file that are
# not already set in the environment (the environment wins).
load_env() {
	local file=$1 line key
	[ -f "$file" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in '' | '#'*) continue ;; esac
		key=${line%%=*}
		[ -n "${!key+x}" ] || export "$key=${line#*=}"
	done <"$file"
}
