package io.ocfs2iscsi.e2e.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Runs inside a guest (copied to its /host folder by {@link TestBedTest}): listens on the ports given as arguments
 * and answers each line with "hostname port line". No dependencies beyond the JRE.
 */
public final class GuestEchoServer {
  private GuestEchoServer() {}

  public static void main(String[] args) throws Exception {
    String host = InetAddress.getLocalHost().getHostName();
    for (String a : args) {
      int port = Integer.parseInt(a);
      ServerSocket server = new ServerSocket(port);
      Thread t = new Thread(() -> {
        while (true) {
          try (Socket s = server.accept();
              BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
              PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
              out.println(host + " " + port + " " + line);
            }
          } catch (IOException e) {
            System.err.println("connection: " + e);
          }
        }
      });
      t.start();
    }
    System.out.println("listening on " + String.join(",", args));
  }
}
