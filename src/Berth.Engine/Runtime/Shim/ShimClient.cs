using System.Net.Sockets;
using System.Text.Json;
using Berth.Core.Errors;
using Berth.Core.Shim;

namespace Berth.Engine.Runtime.Shim;

/// <summary>
/// Talks to one shim over its unix socket: one connection per request (see ShimProtocol).
/// When the shim is already gone and the exit file is known, state and wait answer from the
/// exit file, so a container that exited while berthd was down still reports its exit code.
/// </summary>
public sealed class ShimClient(string socketPath, string? exitFilePath = null, int? pid = null) : IShimClient
{
    public string SocketPath { get; } = socketPath;

    /// <summary>The init pid reported at launch (null for a reconnected client; ask StateAsync).</summary>
    public int? Pid { get; } = pid;

    public async Task<ShimState> StartAsync(CancellationToken cancellationToken) =>
        ToState(Check(await RequestAsync(new ShimRequest(ShimOps.Start), cancellationToken).ConfigureAwait(false)));

    public async Task KillAsync(int signal, CancellationToken cancellationToken) =>
        Check(await RequestAsync(new ShimRequest(ShimOps.Kill, Signal: signal), cancellationToken).ConfigureAwait(false));

    public async Task ResizeAsync(int height, int width, CancellationToken cancellationToken) =>
        Check(await RequestAsync(new ShimRequest(ShimOps.Resize, Height: height, Width: width), cancellationToken).ConfigureAwait(false));

    public async Task<ShimState> StateAsync(CancellationToken cancellationToken)
    {
        ShimResponse response;
        try
        {
            response = Check(await RequestAsync(new ShimRequest(ShimOps.State), cancellationToken).ConfigureAwait(false));
        }
        catch (IOException) when (ReadExitFile() is { } exit)
        {
            return new ShimState(0, ShimStatus.Exited, exit.ExitCode, null, exit.FinishedAt);
        }
        return ToState(response);
    }

    private static ShimState ToState(ShimResponse response) =>
        new(response.Pid ?? 0, response.Status ?? ShimStatus.Exited, response.ExitCode, Utc(response.StartedAt), Utc(response.FinishedAt));

    public async Task<ExitStatus> WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = Check(await RequestAsync(new ShimRequest(ShimOps.Wait), cancellationToken).ConfigureAwait(false));
            return new ExitStatus(response.ExitCode ?? -1, Utc(response.FinishedAt) ?? DateTimeOffset.UtcNow, response.OomKilled ?? false);
        }
        catch (IOException) when (ReadExitFile() is { } exit)
        {
            return exit;
        }
    }

    public async Task<ShimAttachment> AttachAsync(bool stdin, bool stdout, bool stderr, CancellationToken cancellationToken)
    {
        var socket = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ShimWire.WriteLineAsync(socket, new ShimRequest(ShimOps.Attach, Stdin: stdin, Stdout: stdout, Stderr: stderr),
                ShimJsonContext.Default.ShimRequest, cancellationToken).ConfigureAwait(false);
            var line = await ReadResponseAsync(socket, cancellationToken).ConfigureAwait(false);
            Check(line.Response);
            return new SocketShimAttachment(socket, line.Following);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The exit file's content, or null when it does not exist (yet) or is unreadable.</summary>
    public static ExitStatus? ReadExitFile(string path)
    {
        try
        {
            var exit = JsonSerializer.Deserialize(File.ReadAllBytes(path), ShimJsonContext.Default.ShimExitFile);
            return exit is null ? null : new ExitStatus(exit.ExitCode, Utc(exit.FinishedAt)!.Value, exit.OomKilled);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private ExitStatus? ReadExitFile() => exitFilePath is null ? null : ReadExitFile(exitFilePath);

    private async Task<ShimResponse> RequestAsync(ShimRequest request, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ShimWire.WriteLineAsync(socket, request, ShimJsonContext.Default.ShimRequest, cancellationToken).ConfigureAwait(false);
            return (await ReadResponseAsync(socket, cancellationToken).ConfigureAwait(false)).Response;
        }
        catch (SocketException e)
        {
            throw new IOException($"shim {SocketPath}: {e.Message}", e);
        }
    }

    private async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"shim {SocketPath} is not reachable: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<(ShimResponse Response, ReadOnlyMemory<byte> Following)> ReadResponseAsync(Socket socket, CancellationToken cancellationToken)
    {
        // The shim exits (closing connections) only after answering; no line means it died.
        var line = await ShimWire.ReadLineAsync(socket, cancellationToken).ConfigureAwait(false)
            ?? throw new IOException($"shim {SocketPath} closed the connection without answering");
        try
        {
            var response = JsonSerializer.Deserialize(line.Line, ShimJsonContext.Default.ShimResponse)
                ?? throw new JsonException("null response");
            return (response, line.Rest);
        }
        catch (JsonException e)
        {
            throw new IOException($"shim {SocketPath} sent a bad response", e);
        }
    }

    private static ShimResponse Check(ShimResponse response)
    {
        if (response.Error is null) return response;
        throw new ShimFailureException(response.Failure ?? ShimFailure.Runtime, response.Error);
    }

    private static DateTimeOffset? Utc(DateTime? time) =>
        time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
