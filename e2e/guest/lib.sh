# shellcheck shell=bash
# Common helpers of the real-kernel harness (sourced by build-image, launch, exec, fault, smoke).
# Never executed on its own; every script that sources it runs with `set -euo pipefail`.

E2E_GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO_ROOT=$(cd "$E2E_GUEST_DIR/../.." && pwd)
E2E_CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/iscsi-ocfs2-operator/guest

# The SAN of the reference setup (exists only inside the harness's network namespace).
E2E_TARGET_IQN=iqn.2016-02.local.virtual:virtual.vg1
E2E_TARGET_LUN=1
# Optional second target (launch --lun2-size): its own IQN, so its sessions never carry LUN 1.
E2E_TARGET2_IQN=iqn.2016-02.local.virtual:virtual.vg2
E2E_SAN_A_TARGET_IP=192.168.0.180
E2E_SAN_B_TARGET_IP=10.20.1.180
E2E_MGMT_GW_IP=10.10.1.1
E2E_HOST_MGMT_IP=10.10.1.254   # the host end of e2e/guest/host-link (the demo's operator)
E2E_MAX_NODES=8

e2e_prog=${e2e_prog:-$(basename "$0")}

log() { printf '%s %s: %s\n' "$(date +%H:%M:%S)" "$e2e_prog" "$*" >&2; }
die() { printf '%s: error: %s\n' "$e2e_prog" "$*" >&2; exit 1; }

# need_cmd COMMAND DEBIAN_PACKAGE: fails loudly with the install command when a tool is missing.
need_cmd() {
  local cmd=$1 pkg=$2
  if ! command -v "$cmd" >/dev/null 2>&1 && [[ ! -x $cmd ]]; then
    printf '%s: missing prerequisite: %s (Debian package %s)\n' "$e2e_prog" "$cmd" "$pkg" >&2
    printf 'Fix: e2e/bin/setup-host   (or: apt-get install -y %s)\n' "$pkg" >&2
    exit 127
  fi
}

need_root() {
  [[ $(id -u) == 0 ]] || die "must run as root (network namespaces, taps, tgtd)"
}

# The UML kernel's release (the directory name of its modules).
uml_release() {
  local dirs=(/usr/lib/uml/modules/*/)
  [[ ${#dirs[@]} == 1 && -d ${dirs[0]} ]] || die "expected exactly one directory in /usr/lib/uml/modules (user-mode-linux installed?)"
  basename "${dirs[0]}"
}

# node_index NAME -> 1-based index of nodeN.
node_index() {
  local n=$1
  [[ $n =~ ^node([1-9][0-9]*)$ ]] || die "bad node name '$n' (expected node1..node$E2E_MAX_NODES)"
  printf '%s\n' "${BASH_REMATCH[1]}"
}

# Addresses of node i (reference: drbd01 192.168.0.176 / 10.20.1.16 / 10.10.1.17).
node_san_a_ip() { printf '192.168.0.%d\n' $((175 + $1)); }
node_san_b_ip() { printf '10.20.1.%d\n' $((15 + $1)); }
node_mgmt_ip() { printf '10.10.1.%d\n' $((15 + 2 * $1)); }

# Device names inside the namespace.
tap_name() { printf 'n%d%s\n' "$1" "$2"; }   # tap_name 1 a -> n1a (a: SAN A, b: SAN B, m: management)
bridge_name() {
  case $1 in
    a) echo sana ;;
    b) echo sanb ;;
    m) echo mgmt ;;
    *) die "bad network '$1' (a, b or m)" ;;
  esac
}

# load_run DIR: reads the run's env file (KEY=VALUE lines written by launch) into the E2E_* variables.
load_run() {
  local dir=$1 key value
  [[ -f $dir/run.env ]] || die "$dir is not a running harness (no run.env); start one with e2e/guest/launch"
  while IFS='=' read -r key value; do
    [[ $key =~ ^E2E_[A-Z0-9_]+$ ]] || continue
    printf -v "$key" '%s' "$value"
  done <"$dir/run.env"
  E2E_RUN_DIR=$(cd "$dir" && pwd)
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds, bounded.
wait_until() {
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "timed out after ${limit} s waiting for $what"
  return 1
}

# ns CMD...: runs CMD inside the run's network namespace.
ns() { ip netns exec "$E2E_NETNS" "$@"; }

# Offloads off on a device inside the namespace (see real-kernel-harness.md: GSO/GRO trap).
offloads_off() {
  local dev
  for dev in "$@"; do
    ns ethtool -K "$dev" tso off gso off gro off >/dev/null 2>&1 || log "ethtool -K $dev failed (ignored)"
  done
}

# ---- target (tgtd inside the namespace) -------------------------------------------------------------------

# target_start: starts tgtd in the namespace on both portals, LUN 1 backed by $E2E_LUN_FILE.
# Writes the pid to $E2E_RUN_DIR/tgtd.pid; log in $E2E_RUN_DIR/tgtd.log.
target_start() {
  local port=$E2E_TGT_CONTROL_PORT
  ip netns exec "$E2E_NETNS" setsid tgtd -f -C "$port" \
    --iscsi "portal=$E2E_SAN_A_TARGET_IP:3260,portal=$E2E_SAN_B_TARGET_IP:3260" \
    >>"$E2E_RUN_DIR/tgtd.log" 2>&1 </dev/null &
  local pid=$!
  disown "$pid"   # teardown/fault kill it by pid; no job-control noise
  echo "$pid" >"$E2E_RUN_DIR/tgtd.pid"
  if ! wait_until 10 "tgtd control socket" tgtadm -C "$port" --lld iscsi --mode target --op show; then
    tail -n 5 "$E2E_RUN_DIR/tgtd.log" >&2 || true
    die "tgtd did not start (log: $E2E_RUN_DIR/tgtd.log)"
  fi
  tgtadm -C "$port" --lld iscsi --mode target --op new --tid 1 --targetname "$E2E_TARGET_IQN"
  tgtadm -C "$port" --lld iscsi --mode logicalunit --op new --tid 1 --lun "$E2E_TARGET_LUN" \
    --backing-store "$E2E_LUN_FILE"
  tgtadm -C "$port" --lld iscsi --mode target --op bind --tid 1 --initiator-address ALL
  if [[ -n ${E2E_LUN2_FILE:-} ]]; then
    tgtadm -C "$port" --lld iscsi --mode target --op new --tid 2 --targetname "$E2E_TARGET2_IQN"
    tgtadm -C "$port" --lld iscsi --mode logicalunit --op new --tid 2 --lun 1 --backing-store "$E2E_LUN2_FILE"
    tgtadm -C "$port" --lld iscsi --mode target --op bind --tid 2 --initiator-address ALL
    log "tgtd also serves $E2E_TARGET2_IQN LUN 1 ($E2E_LUN2_FILE)"
  fi
  log "tgtd (pid $pid) serves $E2E_TARGET_IQN LUN $E2E_TARGET_LUN on $E2E_SAN_A_TARGET_IP:3260 and $E2E_SAN_B_TARGET_IP:3260"
}

# target_kill: kills tgtd hard (a crashed target). Only the pid this run started.
target_kill() {
  local pid
  [[ -f $E2E_RUN_DIR/tgtd.pid ]] || return 0
  pid=$(<"$E2E_RUN_DIR/tgtd.pid")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 10 "tgtd $pid to exit" bash -c '! kill -0 "$1"' _ "$pid" || true
  fi
  rm -f "$E2E_RUN_DIR/tgtd.pid"
  # tgtd leaves its control socket and lock behind when killed.
  rm -f "/var/run/tgtd/socket.$E2E_TGT_CONTROL_PORT" "/var/run/tgtd/socket.$E2E_TGT_CONTROL_PORT.lock"
}

# ---- guests ------------------------------------------------------------------------------------------------

# guest_start NODE: boots the guest from the command line launch wrote to guests/NODE/cmdline (the same overlay disk,
# taps, addresses, initiator name and control directory at every boot), in its own process group; its serial console
# is appended to guests/NODE/console.log. Records the pid in guests/NODE/vm.pid and in the run's pids file (for
# cleanup_stale); sets guest_pid.
guest_start() {
  local node=$1 gdir=$E2E_RUN_DIR/guests/$1
  local -a vm_cmd
  mapfile -t vm_cmd <"$gdir/cmdline"
  ((${#vm_cmd[@]} > 0)) || die "$gdir/cmdline is empty"
  rm -f "$gdir/ctl/ready" "$gdir/ctl/failed"
  # TMPDIR: UML backs guest memory with a file there. setsid: own process group (teardown and fault kill the group).
  TMPDIR=/dev/shm ip netns exec "$E2E_NETNS" setsid "${vm_cmd[@]}" </dev/null >>"$gdir/console.log" 2>&1 &
  guest_pid=$!
  echo "guest $guest_pid" >>"$E2E_RUN_DIR/pids"
  echo "$guest_pid" >"$gdir/vm.pid"
}

# guest_wait_ready NODE SECONDS: waits until the guest's agent reported ready (ctl/ready), bounded; fails with the
# console's tail when the guest failed, died or did not make it in time.
guest_wait_ready() {
  local node=$1 limit=$2 gdir=$E2E_RUN_DIR/guests/$1 pid deadline
  pid=$(<"$gdir/vm.pid")
  deadline=$((SECONDS + limit))
  while [[ ! -f $gdir/ctl/ready ]]; do
    if [[ -f $gdir/ctl/failed ]] || ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      tail -n 40 "$gdir/console.log" >&2 || true
      die "$node did not become ready (console: $gdir/console.log)"
    fi
    sleep 0.1
  done
}

# guest_alive NODE: some process of the guest's session (its VM and UML's helper processes; setsid made the VM the
# leader) still runs. Zombies do not count: they hold no files, and the launcher reaps its own children late.
guest_alive() {
  local pidfile=$E2E_RUN_DIR/guests/$1/vm.pid pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  ps -o stat= --sid "$pid" 2>/dev/null | grep -qv '^Z'
}

# guest_taps_released NODE: no process holds any of the guest's taps open any more (the kernel drops a tap's carrier
# when its last file is closed). A tap is single-queue: while a dying VM still holds it, a new VM cannot attach.
guest_taps_released() {
  local i n
  i=$(node_index "$1")
  for n in a b m; do
    [[ $(ns ip -o link show dev "$(tap_name "$i" "$n")") == *NO-CARRIER* ]] || return 1
  done
}

# guest_taps_attached NODE: every tap of the guest is held open by its VM (carrier on).
guest_taps_attached() {
  local i n
  i=$(node_index "$1")
  for n in a b m; do
    [[ $(ns ip -o link show dev "$(tap_name "$i" "$n")") != *NO-CARRIER* ]] || return 1
  done
}

# ---- stale test beds (a launcher killed with SIGKILL cannot tear down) -------------------------------------------
E2E_REGISTRY=/run/ocfs2e2e   # one file per running test bed: <netns> with run=<dir> and launcher=<pid>

# is_pid_cmd PID WORD: the process PID exists and its command line contains WORD.
is_pid_cmd() {
  local pid=$1 word=$2 cmdline
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$word"* ]]
}

# cleanup_stale: tears down test beds whose launcher is gone: their forwarders, guests and tgtd (each checked by
# pid and command line), every process left inside their namespace, the namespace, the overlays.
cleanup_stale() {
  local ns_name launcher run kind pid nspid
  local -a names=()
  mapfile -t names < <(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^ocfs2e2e-[0-9]+$' || true)
  for ns_name in "${names[@]}"; do
    launcher=${ns_name#ocfs2e2e-}
    if is_pid_cmd "$launcher" e2e/guest/launch; then
      continue
    fi
    run=""
    if [[ -f $E2E_REGISTRY/$ns_name ]]; then
      run=$(sed -n 's/^run=//p' "$E2E_REGISTRY/$ns_name")
    fi
    log "cleaning up stale test bed $ns_name (launcher $launcher is gone; run directory ${run:-unknown})"
    if [[ -n $run && -f $run/pids ]]; then
      while read -r kind pid; do
        case $kind in
          forward) is_pid_cmd "$pid" "$ns_name" && kill -KILL "$pid" 2>/dev/null ;;
          guest) is_pid_cmd "$pid" "$ns_name" && kill -KILL -- "-$pid" 2>/dev/null ;;
        esac
      done <"$run/pids"
      if [[ -f $run/tgtd.pid ]]; then
        pid=$(<"$run/tgtd.pid")
        is_pid_cmd "$pid" tgtd && kill -KILL "$pid" 2>/dev/null
      fi
      rm -f "$run"/guests/*/root.cow "$run/lun1.img" "$run/lun2.img" "$run/run.env"
      rm -rf "$run/uml"
    fi
    for nspid in $(ip netns pids "$ns_name" 2>/dev/null); do
      kill -KILL "$nspid" 2>/dev/null || true
    done
    ip netns del "$ns_name" 2>/dev/null || true
    rm -f "$E2E_REGISTRY/$ns_name"
  done
  true
}
