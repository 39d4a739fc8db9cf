package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SCSI-3 persistent reservations on a multipath map (mpathpersist of multipath-tools): it sends REGISTER and RESERVE
 * down every path of the map, so a key registered here is registered for each I_T nexus. PREEMPT is not here:
 * mpathpersist refuses it unless multipath.conf names the map's reservation_key; the fence agent preempts with
 * sg_persist on one path (the target drops the key on every nexus).
 */
public final class Mpathpersist {

  /** WRITE EXCLUSIVE - REGISTRANTS ONLY: every registered member writes, an unregistered (fenced) one cannot. */
  public static final int TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 5;
  static final String TYPE_5_TEXT = "Write Exclusive, registrants only";

  private static final Pattern KEY_LINE = Pattern.compile("^\\s+(0x[0-9a-fA-F]{1,16})\\s*$", Pattern.MULTILINE);
  private static final Pattern KEYS_HEADER =
      Pattern.compile("PR generation=0x[0-9a-f]+,\\s+(\\d+) registered reservation key");
  private static final Pattern HOLDER = Pattern.compile("^\\s+Key = (0x[0-9a-fA-F]{1,16})\\s*$", Pattern.MULTILINE);
  private static final Pattern TYPE = Pattern.compile("type = ([^\\n]+?)\\s*$", Pattern.MULTILINE);

  private final CommandRunner runner;

  public Mpathpersist(CommandRunner runner) {
    this.runner = runner;
  }

  /** The reservation held on a LUN: the holder's key and the type as mpathpersist names it. */
  public record Reservation(ReservationKey holder, String type) {
    public boolean registrantsOnly() {
      return type.equals(TYPE_5_TEXT);
    }
  }

  /** REGISTER AND IGNORE EXISTING KEY on every path: idempotent, and it replaces a key this node had before. */
  public void registerIgnore(String alias, ReservationKey key) {
    run("registering reservation key " + key + " on " + alias,
        "--out", "--register-ignore", "--param-sark=" + key.hex(), device(alias));
  }

  /** RESERVE type 5 with this node's (registered) key; fails with a reservation conflict when another holds one. */
  public CommandResult reserve(String alias, ReservationKey key) {
    return runner.run(Command.of("mpathpersist", "--out", "--reserve", "--param-rk=" + key.hex(),
        "--prout-type=" + TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, device(alias)));
  }

  /** The registered keys (one per path and registered node). */
  public List<ReservationKey> keys(String alias) {
    return parseKeys(run("reading the reservation keys of " + alias, "-i", "-k", device(alias)));
  }

  /** The reservation held on the LUN; empty when none is. */
  public Optional<Reservation> reservation(String alias) {
    return parseReservation(run("reading the reservation of " + alias, "-i", "-r", device(alias)));
  }

  static List<ReservationKey> parseKeys(String out) {
    Matcher h = KEYS_HEADER.matcher(out);
    if (!h.find()) {
      throw new IllegalArgumentException("mpathpersist -i -k printed no 'registered reservation key' line");
    }
    List<ReservationKey> keys = new ArrayList<>();
    Matcher k = KEY_LINE.matcher(out);
    while (k.find()) {
      keys.add(ReservationKey.parse(k.group(1)));
    }
    if (keys.size() != Integer.parseInt(h.group(1))) {
      throw new IllegalArgumentException("mpathpersist -i -k announced " + h.group(1) + " keys and listed "
          + keys.size());
    }
    return List.copyOf(keys);
  }

  static Optional<Reservation> parseReservation(String out) {
    if (out.contains("there is NO reservation held")) {
      return Optional.empty();
    }
    Matcher k = HOLDER.matcher(out);
    Matcher t = TYPE.matcher(out);
    if (!out.contains("Reservation follows") || !k.find() || !t.find()) {
      throw new IllegalArgumentException("mpathpersist -i -r printed neither a reservation nor 'NO reservation'");
    }
    return Optional.of(new Reservation(ReservationKey.parse(k.group(1)), t.group(1)));
  }

  private String run(String what, String... args) {
    List<String> argv = new ArrayList<>(List.of("mpathpersist"));
    argv.addAll(List.of(args));
    CommandResult r = runner.run(Command.of(argv.toArray(String[]::new)));
    if (!r.ok()) {
      throw new ToolFailure(what, r);
    }
    return r.stdout();
  }

  private static String device(String alias) {
    if (!ValueRules.matches(ValueRules.ALIAS, alias)) {
      throw new IllegalArgumentException("multipath alias '" + alias + "': " + ValueRules.ALIAS_RULE);
    }
    return "/dev/mapper/" + alias;
  }
}
