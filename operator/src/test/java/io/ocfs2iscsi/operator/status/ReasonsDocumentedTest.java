package io.ocfs2iscsi.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.operator.ProjectFiles;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's "Troubleshooting by condition" (its table, and the paragraph on what all-is-well looks like) and the
 * reason types cannot drift: every reason a user can see on a resource is there, and every reason the section names
 * for a resource exists. Rows that start with "Ocfs2Cluster" are the cluster's, the others the volume's.
 */
class ReasonsDocumentedTest {

  private static final String HEADING = "### Troubleshooting by condition";
  private static final String CLUSTER_ROW = "Ocfs2Cluster";
  /** Where the all-is-well paragraph turns from the volume to the cluster. */
  private static final String CLUSTER_PART = "the cluster has";
  private static final Pattern QUOTED = Pattern.compile("`([^`]+)`");
  private static final Pattern NAME = Pattern.compile("[A-Z][A-Za-z0-9]+");

  static Set<String> volumeNamed;
  static Set<String> clusterNamed;

  @BeforeAll
  static void readTheSection() throws Exception {
    List<String> lines = Files.readAllLines(ProjectFiles.root().resolve("README.md"));
    int start = lines.indexOf(HEADING);
    assertThat(start).as("README.md has the section " + HEADING).isNotNegative();
    StringBuilder volume = new StringBuilder();
    StringBuilder cluster = new StringBuilder();
    StringBuilder paragraph = new StringBuilder();
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.startsWith("#")) {
        break;
      }
      if (line.startsWith("| ")) {
        String firstColumn = line.substring(2, line.indexOf(" |", 1));
        (firstColumn.startsWith(CLUSTER_ROW) ? cluster : volume).append(firstColumn).append('\n');
      } else if (!line.startsWith("`kubectl")) {
        paragraph.append(line).append('\n');
      }
    }
    int split = paragraph.indexOf(CLUSTER_PART);
    assertThat(split).as("the all-is-well paragraph names the cluster's reasons after '" + CLUSTER_PART + "'")
        .isPositive();
    volume.append(paragraph, 0, split);
    cluster.append(paragraph.substring(split));
    volumeNamed = names(volume.toString());
    clusterNamed = names(cluster.toString());
  }

  /** Every word in backquotes that looks like a reason: `Ready=False` and `status.members` are not. */
  private static Set<String> names(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = QUOTED.matcher(text);
    while (m.find()) {
      for (String part : m.group(1).split("\\s+")) {
        if (NAME.matcher(part).matches()) {
          out.add(part);
        }
      }
    }
    return out;
  }

  private static Set<String> namesOf(Enum<?>[] values) {
    return Arrays.stream(values).map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void everyVolumeReasonIsInTheTroubleshootingSection() {
    assertThat(volumeNamed).containsAll(namesOf(VolumeReason.values()));
  }

  @Test
  void everyClusterReasonIsInTheTroubleshootingSection() {
    assertThat(clusterNamed).containsAll(namesOf(ClusterReason.values()));
  }

  @Test
  void everyVolumeReasonTheSectionNamesExists() {
    assertThat(namesOf(VolumeReason.values())).containsAll(volumeNamed);
  }

  @Test
  void everyClusterReasonOrMemberStateTheSectionNamesExists() {
    Set<String> known = namesOf(ClusterReason.values());
    known.addAll(namesOf(ClusterMemberStatus.State.values()));
    assertThat(known).containsAll(clusterNamed);
  }
}
