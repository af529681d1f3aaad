// Starts DynamoDB Local listening on one address (127.0.0.1 unless -Dsharebus.host says otherwise) instead of
// every interface. Its command line has no host option: this builds the server from the same arguments as
// DynamoDBLocal.jar's own main, then sets the host on its Jetty connector before starting it. Compiled by
// launcher.ts on first use; takes DynamoDB Local's usual arguments.
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public final class LoopbackDynamoDbLocal {
  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    String host = System.getProperty("sharebus.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    Connector[] connectors = jetty.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) ((ServerConnector) connector).setHost(host);
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
}
