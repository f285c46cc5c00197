using Berth.Engine.Containers;
using Berth.Engine.Runtime.Shim;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Berth.Daemon.Routes;

/// <summary>
/// POST /containers/{id}/attach: the connection is hijacked (HTTP upgrade to a raw "tcp"
/// stream) and carries the container's output one way (docker's 8-byte frames without a TTY)
/// and stdin the other way. A created container is attached now and connected when it starts,
/// so `docker run` sees the first byte of output.
/// </summary>
internal static class AttachRoutes
{
    public static void Map(WebApplication app) => app.MapPost("/containers/{id}/attach", Attach);

    private static async Task Attach(HttpContext context)
    {
        var containers = context.Service<IContainerBackend>();
        var container = containers.Get(context.Route("id"));
        var stdin = context.QueryBool("stdin");
        var stdout = context.QueryBool("stdout");
        var stderr = context.QueryBool("stderr");
        var logs = context.QueryBool("logs");
        var stream = context.QueryBool("stream");
        // RequestAborted means the client is really gone: the unix transport does not treat the
        // half-close docker clients do at once (no stdin) as the end of the connection.
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        // Like dockerd, a running container's logs are replayed before the live attach (a line
        // written in between is missed, never sent twice); a container that is not running is
        // attached at once, so that its start connects it.
        var attachLater = logs && container.State.Running;
        var attaching = stream && !attachLater ? containers.Attach(container.Id, stdin, stdout, stderr, lifetime.Token) : null;

        var tty = container.Config.Tty;
        var contentType = tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
        var connection = await HijackAsync(context, contentType);
        await using (connection)
        {
            if (logs && !await ReplayLogsAsync(containers, container, stdout, stderr, connection, lifetime.Token)) return;
            if (stream && attachLater) attaching = containers.Attach(container.Id, stdin, stdout, stderr, lifetime.Token);
            if (attaching is null) return;
            ShimAttachment attachment;
            try
            {
                attachment = await attaching;
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                return;
            }
            await using (attachment)
            {
                var input = stdin ? PumpStdinAsync(connection, attachment, lifetime.Token) : Task.CompletedTask;
                await PumpOutputAsync(attachment.Output, connection, lifetime.Token);
                await lifetime.CancelAsync();
                try { await input; }
                catch (Exception e) when (e is OperationCanceledException or IOException) { }
            }
        }
    }

    /// <summary>attach's logs=1: the container's json-file log so far, framed as GET /logs frames it; false when the client went away.</summary>
    private static async Task<bool> ReplayLogsAsync(IContainerBackend containers, Container container, bool stdout, bool stderr, Stream connection, CancellationToken cancellationToken)
    {
        if (containers.LogsSoFar(container.Id, stdout, stderr, cancellationToken) is not { } entries) return true;
        try
        {
            await LogStreamWriter.WriteAsync(connection, entries, container.Config.Tty, timestamps: false, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>Upgrades to a raw stream when the client asked (docker CLI, docker-py); otherwise streams a plain 200 body.</summary>
    private static async Task<Stream> HijackAsync(HttpContext context, string contentType)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is { IsUpgradableRequest: true })
        {
            context.Response.Headers.ContentType = contentType;
            context.Response.Headers.Connection = "Upgrade";
            context.Response.Headers.Upgrade = "tcp";
            return await upgrade.UpgradeAsync();
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        // The headers go now, as dockerd's do, not with the container's first output (a quiet
        // container kept the client waiting for them until it exited).
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        return new DuplexBody(context.Request.Body, context.Response.Body);
    }

    private static async Task PumpOutputAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await to.FlushAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // Either side went away: the attach is over.
        }
    }

    private static async Task PumpStdinAsync(Stream from, ShimAttachment attachment, CancellationToken cancellationToken)
    {
        var buffer = new byte[32 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            await attachment.WriteStdinAsync(buffer.AsMemory(0, read), cancellationToken);
        await attachment.CloseStdinAsync();
    }

    /// <summary>Request body in, response body out: attach for clients that did not upgrade.</summary>
    private sealed class DuplexBody(Stream input, Stream output) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => output.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);
    }
}
