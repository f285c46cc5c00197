using System.Net.Sockets;
using Berth.Core.Interop;
using Berth.Core.Shim;

namespace Berth.Shim;

/// <summary>
/// Copies the container's output (two pipes, or one pty master) to the json-file log and to
/// the attached clients. One small thread per output fd does blocking reads: .NET has no
/// readiness-based async I/O for pipes (it would park a thread-pool thread in read anyway),
/// and a dedicated thread lets us flush the log exactly when the pipe has nothing more ready.
/// All fan-out happens under one lock, so stdout and stderr frames never interleave on a
/// client and the log writer is single-threaded.
/// </summary>
internal sealed class OutputHub(JsonLogWriter log, bool tty)
{
    private const int ReadSize = 32 * 1024;
    private readonly object _lock = new();
    private readonly List<AttachSink> _clients = [];
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _open;
    private bool _ended;

    /// <summary>Completes when every output fd reached EOF and all of it was logged and sent.</summary>
    public Task Drained => _drained.Task;

    /// <summary>
    /// Starts copying <paramref name="fd"/> as <paramref name="stream"/> (1 stdout, 2 stderr);
    /// a pipe is closed at EOF, a pty master is not (stdin still writes to it until the shim exits).
    /// </summary>
    public void Start(int fd, byte stream)
    {
        lock (_lock) _open++;
        new Thread(() => Pump(fd, stream), 128 * 1024) { IsBackground = true, Name = stream == 1 ? "stdout" : "stderr" }.Start();
    }

    /// <summary>
    /// Sends <paramref name="greeting"/> to the client and adds it, both under the lock so no
    /// output can reach the client first; when the output already ended it is completed at once.
    /// </summary>
    public void Add(AttachSink client, ReadOnlySpan<byte> greeting)
    {
        lock (_lock)
        {
            if (!client.TrySend(greeting) || _ended) client.Complete();
            else _clients.Add(client);
        }
    }

    private void Pump(int fd, byte stream)
    {
        // 8 spare bytes in front so a frame header goes before the data without a copy.
        var buffer = new byte[StdFrame.HeaderSize + ReadSize];
        while (true)
        {
            int n;
            try
            {
                n = Libc.ReadFd(fd, buffer.AsSpan(StdFrame.HeaderSize));
            }
            catch (LinuxException)
            {
                // EIO from a pty master means every slave fd is closed: the pty's EOF.
                n = 0;
            }
            if (n == 0) break;
            var more = Libc.IsReadable(fd);
            lock (_lock)
            {
                log.Append(stream - 1, buffer.AsSpan(StdFrame.HeaderSize, n));
                if (!more) log.Flush();
                if (_clients.Count == 0) continue;
                StdFrame.WriteHeader(buffer, stream, n);
                var frame = tty ? buffer.AsSpan(StdFrame.HeaderSize, n) : buffer.AsSpan(0, StdFrame.HeaderSize + n);
                for (var i = _clients.Count - 1; i >= 0; i--)
                {
                    var client = _clients[i];
                    if (!client.Wants(stream) || client.TrySend(frame)) continue;
                    _clients.RemoveAt(i);
                    client.Complete();
                }
            }
        }
        if (!tty) Libc.Close(fd);
        lock (_lock)
        {
            log.EndOfStream(stream - 1);
            log.Flush();
            if (--_open > 0) return;
            _ended = true;
            foreach (var client in _clients) client.Complete();
            _clients.Clear();
        }
        _drained.TrySetResult();
    }
}

/// <summary>One attach connection's output side.</summary>
internal sealed class AttachSink
{
    private readonly Socket _socket;
    private readonly bool _stdout, _stderr;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AttachSink(Socket socket, bool stdout, bool stderr)
    {
        _socket = socket;
        _stdout = stdout;
        _stderr = stderr;
        // A client that stops reading blocks the container's output (as docker's attach does),
        // but not forever: after this long it is dropped.
        _socket.SendTimeout = 60_000;
    }

    /// <summary>Completes when the output ended or the client was dropped.</summary>
    public Task Done => _done.Task;

    public bool Wants(byte stream) => stream == StdFrame.Stdout ? _stdout : _stderr;

    public bool TrySend(ReadOnlySpan<byte> data)
    {
        try
        {
            while (!data.IsEmpty) data = data[_socket.Send(data)..];
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public void Complete() => _done.TrySetResult();
}

/// <summary>
/// The container's stdin: the write end of its stdin pipe, or the pty master. Writes block
/// while the container does not read (back-pressure to the attach client).
/// </summary>
internal sealed class StdinSink(int fd, bool tty)
{
    private readonly object _lock = new();
    private bool _closed;

    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            if (_closed) return;
            try { Libc.WriteAll(fd, data); }
            catch (LinuxException) { /* EPIPE: the container closed its stdin; drop input as docker does */ }
        }
    }

    /// <summary>
    /// End of input. A pipe is closed, so the reader sees EOF. A pty master cannot be closed
    /// (it carries the output too): send ^D, which is EOF to a canonical-mode terminal reader.
    /// </summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            if (tty)
            {
                try { Libc.WriteAll(fd, [4]); } catch (LinuxException) { }
            }
            else Libc.Close(fd);
        }
    }
}
