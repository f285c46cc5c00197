using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Berth.Daemon.Hosting;

/// <summary>
/// Kestrel transport for the API's unix sockets that honours TCP-style half-close.
/// Docker clients hijack attach connections and shut down their write side as soon as they
/// have no more stdin (at once, without -i) while still reading the container's output.
/// Kestrel's socket transport treats that FIN as the end of the connection and stops writing;
/// here the FIN only ends the input, and the connection lives until the response is done.
/// </summary>
internal sealed class UnixSocketTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is UnixDomainSocketEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not UnixDomainSocketEndPoint) throw new NotSupportedException($"{endpoint} is not a unix socket");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(endpoint);
            // As Go's net.Listen (dockerd): the kernel's cap, net.core.somaxconn (4096 by default),
            // so a burst of connects queues instead of failing with EAGAIN.
            socket.Listen(ListenBacklog());
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return ValueTask.FromResult<IConnectionListener>(new Listener(socket, endpoint));
    }

    /// <summary>net.core.somaxconn (listen(2) silently caps the backlog there), at least 4096.</summary>
    internal static int ListenBacklog()
    {
        try
        {
            var text = File.ReadAllText("/proc/sys/net/core/somaxconn").Trim();
            if (int.TryParse(text, out var max) && max > 4096) return Math.Min(max, 65535);
        }
        catch (IOException)
        {
        }
        return 4096;
    }

    private sealed class Listener(Socket socket, EndPoint endpoint) : IConnectionListener
    {
        private long _nextId;

        public EndPoint EndPoint => endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                var accepted = await socket.AcceptAsync(cancellationToken);
                return new Connection(accepted, endpoint, $"berth-{Interlocked.Increment(ref _nextId)}");
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException or OperationCanceledException)
            {
                return null; // unbound: Kestrel stops accepting
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Connection : ConnectionContext
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private static readonly TimeSpan HangupPollInterval = TimeSpan.FromMilliseconds(500);
        private readonly CancellationTokenSource _closed = new();

        public Connection(Socket socket, EndPoint endpoint, string id)
        {
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: false);
            ConnectionId = id;
            LocalEndPoint = endpoint;
            RemoteEndPoint = endpoint;
            Transport = new Pipe(
                PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true)),
                new ClosingWriter(PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true)), this));
            ConnectionClosed = _closed.Token;
            _ = WatchForHangupAsync();
        }

        /// <summary>
        /// A half-closed peer may still read; one that closed completely (POLLHUP) is gone, and
        /// requests waiting on it (attach, wait, logs -f) must learn so even when nothing is written.
        /// </summary>
        private async Task WatchForHangupAsync()
        {
            try
            {
                while (!_closed.IsCancellationRequested)
                {
                    await Task.Delay(HangupPollInterval, _closed.Token);
                    if (Berth.Core.Interop.Libc.IsHungUp((int)_socket.Handle))
                    {
                        SignalClosed();
                        return;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        public override string ConnectionId { get; set; }
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
        public override IDuplexPipe Transport { get; set; }

        /// <summary>Signalled when the connection is really over (abort, or a failed write), not on a FIN.</summary>
        internal void SignalClosed()
        {
            try { _closed.Cancel(); }
            catch (ObjectDisposedException) { }
        }

        public override void Abort(ConnectionAbortedException abortReason)
        {
            try { _socket.Shutdown(SocketShutdown.Both); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            SignalClosed();
        }

        public override async ValueTask DisposeAsync()
        {
            await Transport.Input.CompleteAsync();
            await Transport.Output.CompleteAsync();
            try { _socket.Shutdown(SocketShutdown.Both); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            await _stream.DisposeAsync();
            _socket.Dispose();
            SignalClosed();
            _closed.Dispose();
        }
    }

    private sealed record Pipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <summary>Turns a failed write (the peer is gone) into ConnectionClosed, which Kestrel maps to RequestAborted.</summary>
    private sealed class ClosingWriter(PipeWriter inner, Connection connection) : PipeWriter
    {
        private bool _failed;

        public override void Advance(int bytes) => inner.Advance(bytes);
        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);
        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
        public override void CancelPendingFlush() => inner.CancelPendingFlush();
        public override void Complete(Exception? exception = null) => inner.Complete(Unsendable(exception));
        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(Unsendable(exception));

        /// <summary>
        /// Once a write has failed, completing with an exception drops what is still buffered: a
        /// plain completion tries to send it again and never returned, so the connection was never
        /// disposed (a wait whose client had gone when its container exited: "application never completed").
        /// </summary>
        private Exception? Unsendable(Exception? exception) => _failed ? exception ?? new IOException("the peer has gone") : exception;
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;
        public override long UnflushedBytes => inner.UnflushedBytes;

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.FlushAsync(cancellationToken);
            }
            catch (IOException)
            {
                // The peer is gone: end the connection quietly, as Kestrel's socket transport does.
                _failed = true;
                connection.SignalClosed();
                return new FlushResult(isCanceled: false, isCompleted: true);
            }
        }
    }
}
