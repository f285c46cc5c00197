using System.Net.Sockets;

namespace Berth.Engine.Runtime.Shim;

/// <summary>An attach connection: reads are the shim's output stream, writes go to the container's stdin.</summary>
internal sealed class SocketShimAttachment(Socket socket, ReadOnlyMemory<byte> prefix) : ShimAttachment
{
    private readonly OutputStream _output = new(socket, prefix);

    public override Stream Output => _output;

    public override async ValueTask WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
            data = data[await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
    }

    public override ValueTask CloseStdinAsync()
    {
        try { socket.Shutdown(SocketShutdown.Send); }
        catch (SocketException) { /* already gone: the shim treats that as closed stdin too */ }
        catch (ObjectDisposedException) { }
        return ValueTask.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Read-only view of the socket that first returns the bytes read together with the
    /// response line. Ends (returns 0) when the shim closes the connection: output is over.
    /// </summary>
    private sealed class OutputStream(Socket socket, ReadOnlyMemory<byte> prefix) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (TakePrefix(buffer) is var n and > 0) return n;
            try { return socket.Receive(buffer); }
            catch (SocketException e) { throw new IOException(e.Message, e); }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (TakePrefix(buffer.Span) is var n and > 0) return n;
            try { return await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false); }
            catch (SocketException e) { throw new IOException(e.Message, e); }
        }

        private int TakePrefix(Span<byte> buffer)
        {
            if (_prefix.IsEmpty || buffer.IsEmpty) return 0;
            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
