// Starts DynamoDB Local listening on one address (127.0.0.1 unless -Dsharebus.host says otherwise) instead of
// every interface. Its command line has no host option: this builds the server from the same arguments as
// DynamoDBLocal.jar's own main, then sets the host on its Jetty connector before starting it. It also puts a
// handler in front of DynamoDB Local's that refuses what a web page could send (WebPageGuard, below). Compiled by
// launcher.ts on first use; takes DynamoDB Local's usual arguments.
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.HandlerWrapper;

public final class LoopbackDynamoDbLocal {
  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    String host = System.getProperty("sharebus.host", "127.0.0.1");
    Set<String> allowed = ConcurrentHashMap.newKeySet();
    for (String name : System.getProperty("sharebus.allowedHosts", "").split(",")) {
      if (!name.isEmpty()) allowed.add(name.toLowerCase(Locale.ROOT));
    }
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    Connector[] connectors = jetty.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) ((ServerConnector) connector).setHost(host);
    if (jetty.getHandler() == null) throw new IllegalStateException("DynamoDB Local has no handler to guard");
    WebPageGuard guard = new WebPageGuard(allowed);
    guard.setHandler(jetty.getHandler());
    jetty.setHandler(guard);
    try {
      proxy.start();
    } catch (Exception e) {
      // Jetty's threads would keep the JVM running: end it, so the launcher sees the failure (a port taken, say).
      e.printStackTrace();
      System.exit(1);
    }
    // launcher.ts waits for this line: any server answering on the port would otherwise pass for this one.
    System.out.println(READY + host + ":" + ((ServerConnector) connectors[0]).getLocalPort());
    System.out.flush();
  }

  /** What the line the launcher waits for begins with. */
  static final String READY = "sharebus: DynamoDB Local listening on ";

  /**
   * Refuses, unread, a request a web page could have sent, as local/loopback-host.ts does for sharebus's own two
   * servers: a Host that names neither loopback nor one of the allowed names (SHAREBUS_ALLOWED_HOSTS), which a page
   * whose name was rebound to 127.0.0.1 sends, or an Origin of a page served elsewhere. DynamoDB Local itself answers
   * any Host, so such a page could read and change the registry (browser review, 2026-12-07). Answered 403 in
   * DynamoDB's own error shape, so the SDK and the CLI say AccessDeniedException and the message.
   */
  static final class WebPageGuard extends HandlerWrapper {
    private final Set<String> allowed;
    /** Host headers already judged loopback: nearly every request repeats one of a few. */
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();

    WebPageGuard(Set<String> allowed) {
      this.allowed = allowed;
    }

    @Override
    public void handle(String target, Request base, HttpServletRequest request, HttpServletResponse response)
        throws IOException, ServletException {
      String refusal = refusal(request);
      if (refusal == null) {
        super.handle(target, base, request, response);
        return;
      }
      base.setHandled(true);
      byte[] body =
          ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#AccessDeniedException\",\"Message\":"
                  + json(refusal)
                  + "}")
              .getBytes(StandardCharsets.UTF_8);
      response.setStatus(403);
      response.setContentType("application/x-amz-json-1.0");
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
    }

    /** Why `request` is refused, or null to answer it. Every Host and Origin it carries is judged. */
    private String refusal(HttpServletRequest request) {
      for (Enumeration<String> hosts = request.getHeaders("Host"); hosts.hasMoreElements(); ) {
        String host = hosts.nextElement();
        if (accepted.contains(host)) continue;
        if (isLoopbackHost(host)) {
          if (accepted.size() < 64) accepted.add(host);
        } else if (!isAllowed(host)) {
          return "DynamoDB Local, as sharebus runs it, answers requests to a loopback name or address only"
              + " (127.0.0.1 or localhost) or to a name given in SHAREBUS_ALLOWED_HOSTS, not to Host "
              + quoted(host, 256)
              + ": a web page could send such requests through DNS rebinding.";
        }
      }
      for (Enumeration<String> origins = request.getHeaders("Origin"); origins.hasMoreElements(); ) {
        String origin = origins.nextElement();
        if (!isLoopbackOrigin(origin) && !isAllowedOrigin(origin)) {
          return "DynamoDB Local, as sharebus runs it, answers no request from a web page served elsewhere than"
              + " this machine, and this one came from Origin "
              + quoted(origin, 256)
              + ".";
        }
      }
      return null;
    }

    /** Whether `host` names one of the allowed host names, whatever its port. */
    private boolean isAllowed(String host) {
      String name = hostnameOf(host);
      return name != null && allowed.contains(name);
    }

    /** Whether `origin` is a page served from one of the allowed host names, over http or https. */
    private boolean isAllowedOrigin(String origin) {
      String host = originHost(origin);
      return host != null && isAllowed(host);
    }
  }

  /** A Host header: a host name, an IPv4 address or a bracketed IPv6 one, then a port or nothing. */
  private static final Pattern HOST = Pattern.compile("^(\\[[0-9a-fA-F:.]+\\]|[^\\[\\]:@/?#\\\\\\s%]+)(?::[0-9]*)?$");

  /** The host name of a Host header (lower case, without its port), or null when it is none. */
  static String hostnameOf(String host) {
    Matcher m = HOST.matcher(host);
    return m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
  }

  /**
   * Whether `host` names this machine's loopback, as isLoopbackHost in local/loopback-host.ts judges it:
   * `localhost` or a name under it, an IPv4 address in 127.0.0.0/8 in any form a URL takes (127.1, 0x7f.0.0.1,
   * 2130706433), `[::1]` or an IPv4-mapped 127/8 address. Stricter on what no browser sends (percent-escapes,
   * names beyond ASCII): those are refused here.
   */
  static boolean isLoopbackHost(String host) {
    if (host.isEmpty()) return true;
    String name = hostnameOf(host);
    if (name == null) return false;
    if (name.startsWith("[")) {
      // Bracketed, Java parses it as an IPv6 literal or fails, never asking DNS; without a colon it would take an
      // IPv4 address (`[127.0.0.1]`), which no URL does.
      if (name.indexOf(':') < 0) return false;
      try {
        return InetAddress.getByName(name).isLoopbackAddress(); // ::1, or ::ffff: and 127/8 (an Inet4Address)
      } catch (IOException e) {
        return false;
      }
    }
    if (endsInANumber(name)) {
      long address = ipv4(name);
      return address >= 0 && (address >>> 24) == 127;
    }
    return name.equals("localhost") || name.endsWith(".localhost");
  }

  /** The WHATWG URL standard's test: a host whose last label is a number is an IPv4 address or no host at all. */
  private static boolean endsInANumber(String name) {
    String[] parts = name.split("\\.", -1);
    int last = parts.length - 1;
    if (parts[last].isEmpty()) {
      if (parts.length == 1) return false;
      last--;
    }
    String part = parts[last];
    return part.matches("[0-9]+") || part.matches("0[xX][0-9a-fA-F]*");
  }

  /** An IPv4 address in the forms a URL takes (1 to 4 parts, decimal, octal or hex), or -1 when it is none. */
  private static long ipv4(String name) {
    String[] parts = name.split("\\.", -1);
    int count = parts.length;
    if (count > 1 && parts[count - 1].isEmpty()) count--;
    if (count > 4) return -1;
    long[] numbers = new long[count];
    for (int i = 0; i < count; i++) {
      String part = parts[i];
      int radix = 10;
      if (part.length() >= 2 && (part.startsWith("0x") || part.startsWith("0X"))) {
        radix = 16;
        part = part.substring(2);
      } else if (part.length() >= 2 && part.startsWith("0")) {
        radix = 8;
        part = part.substring(1);
      }
      if (part.isEmpty()) {
        if (radix == 10) return -1;
        numbers[i] = 0;
        continue;
      }
      // Digits alone: Long.parseLong would take a sign too (`+1`), which no URL does.
      if (part.length() > 12 || !part.matches("[0-9a-fA-F]+")) return -1;
      try {
        numbers[i] = Long.parseLong(part, radix);
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    for (int i = 0; i < count - 1; i++) if (numbers[i] > 255) return -1;
    if (numbers[count - 1] >= 1L << (8 * (5 - count))) return -1;
    long address = numbers[count - 1];
    for (int i = 0; i < count - 1; i++) address += numbers[i] << (8 * (3 - i));
    return address;
  }

  private static final Pattern ORIGIN = Pattern.compile("^https?://([^/?#@\\\\\\s]+)$");

  /** The host and port of a serialized http or https origin, or null when it is none (`null` among them). */
  static String originHost(String origin) {
    Matcher m = ORIGIN.matcher(origin);
    return m.matches() ? m.group(1) : null;
  }

  /** Whether `origin` is a page served from this machine's loopback, over http or https. */
  static boolean isLoopbackOrigin(String origin) {
    String host = originHost(origin);
    return host != null && !host.isEmpty() && isLoopbackHost(host);
  }

  /** A header's value for a message: as a JSON string, cut past `max` characters. */
  static String quoted(String value, int max) {
    return json(value.length() > max ? value.substring(0, max) + "…" : value);
  }

  /** `value` as a JSON string. */
  static String json(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }
}
