# WAL segment arithmetic, shared by WAL shipping and recovery. bash's 64-bit integers hold any
# LSN: a segment number is LSN / segment size, named TTTTTTTTXXXXXXXXYYYYYYYY (timeline, then the
# number in 4 GiB "log ids" and the rest), as PostgreSQL's XLogFileName does.
# shellcheck disable=SC2034 # WAL_SEGMENT_SIZE: read by the programs that source this
set_segment_size() { WAL_SEGMENT_SIZE=$1 SEGMENTS_PER_ID=$((0x100000000 / $1)); }
segment_of_lsn() { local hi=${1%/*} lo=${1#*/}; printf '%s' $((((16#$hi << 32) + 16#$lo) / WAL_SEGMENT_SIZE)); }
segment_name() { printf '%08X%08X%08X' "$2" $(($1 / SEGMENTS_PER_ID)) $(($1 % SEGMENTS_PER_ID)); }
segment_number() { printf '%s' $((16#${1:8:8} * SEGMENTS_PER_ID + 16#${1:16:8})); }
lsn_of_byte() { printf '%X/%X' $(($1 >> 32)) $(($1 & 0xFFFFFFFF)); }
