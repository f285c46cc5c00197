using Berth.Cli.App;
using Berth.EngineApi.Client;
using Berth.EngineApi.Streams;

namespace Berth.Cli.Commands.Containers;

/// <summary>
/// A hijacked attach: container output to our stdout/stderr (demultiplexed unless TTY), our
/// stdin to the container when asked (half-closing the connection at end of input).
/// </summary>
public sealed class AttachSession : IAsyncDisposable
{
    private readonly HijackedConnection _connection;
    private readonly bool _tty;

    private AttachSession(HijackedConnection connection, bool tty)
    {
        _connection = connection;
        _tty = tty;
    }

    public static async Task<AttachSession> OpenAsync(CommandContext ctx, string id, bool tty, bool stdin, bool stdout = true, bool stderr = true)
    {
        var conn = await ctx.Client.AttachContainerAsync(id, new AttachOptions
        {
            Stream = true, Stdin = stdin, Stdout = stdout, Stderr = stderr,
        }, ctx.CancellationToken).ConfigureAwait(false);
        return new AttachSession(conn, tty);
    }

    /// <summary>Copies until the daemon closes the output side; pumps stdin in the background.</summary>
    public async Task CopyAsync(CommandContext ctx, bool sendStdin)
    {
        var ct = ctx.CancellationToken;
        if (sendStdin)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await ctx.StdinStream.CopyToAsync(_connection.Stream, ct).ConfigureAwait(false);
                    await _connection.Stream.FlushAsync(ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
                {
                }
                _connection.CloseWrite();
            }, ct);
        }
        try
        {
            if (_tty)
            {
                await _connection.Stream.CopyToAsync(ctx.StdoutStream, ct).ConfigureAwait(false);
            }
            else
            {
                await new StdStreamReader(_connection.Stream).CopyToAsync(ctx.StdoutStream, ctx.StderrStream, ct).ConfigureAwait(false);
            }
        }
        catch (IOException) when (!ct.IsCancellationRequested)
        {
            // Connection reset as the container went away: output is complete.
        }
        await ctx.StdoutStream.FlushAsync(ct).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
