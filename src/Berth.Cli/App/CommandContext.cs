using Berth.EngineApi.Client;

namespace Berth.Cli.App;

/// <summary>What a command runs with: the client, the standard streams and a cancellation token.</summary>
public sealed class CommandContext(Func<EngineClient> clientFactory, TextWriter output, TextWriter error,
    Stream stdin, Stream stdout, Stream stderr, string commandPath, CancellationToken cancellationToken)
{
    private EngineClient? _client;

    /// <summary>The program name shown in messages.</summary>
    public const string Program = "berth";

    public EngineClient Client => _client ??= clientFactory();
    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;
    public Stream StdinStream { get; } = stdin;
    public Stream StdoutStream { get; } = stdout;
    public Stream StderrStream { get; } = stderr;
    /// <summary>"berth run", "berth image ls"…</summary>
    public string CommandPath { get; } = commandPath;
    public CancellationToken CancellationToken { get; } = cancellationToken;
    /// <summary>Where config.json lives (see <see cref="Auth.ClientConfig.ResolveDirectory"/>).</summary>
    public string ConfigDirectory { get; init; } = "";

    /// <summary>Prints "Error response from daemon: …" (or the connection error) and returns 1.</summary>
    public int Fail(Exception e)
    {
        Err.WriteLine(Describe(e));
        return 1;
    }

    public static string Describe(Exception e) => e switch
    {
        EngineApiException api => "Error response from daemon: " + api.Message,
        Auth.ClientConfigException config => "Error " + config.Message,
        _ => e.Message,
    };
}

/// <summary>An error reported inside a JSON message stream (pull, push): docker prints its text alone.</summary>
public sealed class MessageStreamException(string message) : Exception(message);
