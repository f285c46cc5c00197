using System.Text;
using Berth.Core.Interop;

namespace Berth.Shim;

/// <summary>
/// Appends container output to docker's json-file log: one object per line,
/// <c>{"log":"text\n","stream":"stdout","time":"2026-11-28T06:14:50.123456789Z"}</c>.
/// Output is split on '\n'; a line without '\n' waits for the rest of itself, for 16 KiB, or
/// for the end of the stream, and is then logged without '\n' (docker's copier does the same,
/// so readers that join partial lines work unchanged). Formatting goes straight to a byte
/// buffer (no per-line allocations) that the caller flushes when the pipe goes idle, so a
/// follower sees lines promptly and a flood of output costs few write(2) calls.
/// With a maximum size (json-file's max-size), a record is written only while the file is
/// below it; otherwise the file is rotated first, as docker's writer does: PATH becomes PATH.1,
/// PATH.1 becomes PATH.2 … up to max-file files in all (with one file, it is truncated).
/// Not thread-safe: <see cref="OutputHub"/> serializes access.
/// </summary>
internal sealed class JsonLogWriter(string path, long maxSize = 0, int maxFiles = 1) : IDisposable
{
    private const int MaxLine = 16 * 1024;
    private const int FlushThreshold = 32 * 1024;
    private static readonly byte[][] StreamSuffix =
    [
        "\",\"stream\":\"stdout\",\"time\":\""u8.ToArray(),
        "\",\"stream\":\"stderr\",\"time\":\""u8.ToArray(),
    ];

    private FileStream _file = Open(path);
    // Bytes in the file (written) — with what waits in _out, what rotation is decided on.
    private long _fileSize = maxSize > 0 ? new FileInfo(path).Length : 0;
    private byte[] _out = new byte[FlushThreshold + 8 * 1024];
    private int _outLength;
    // Per stream (0 stdout, 1 stderr): the unfinished line, allocated only when one occurs.
    private readonly byte[]?[] _pending = new byte[]?[2];
    private readonly int[] _pendingLength = new int[2];
    private readonly byte[] _time = new byte[40];
    private int _timeLength;

    /// <summary>Logs <paramref name="data"/> read from <paramref name="stream"/> (0 stdout, 1 stderr) just now.</summary>
    public void Append(int stream, ReadOnlySpan<byte> data)
    {
        // One timestamp per read: the lines of one chunk arrived together.
        FormatNow();
        while (!data.IsEmpty)
        {
            var newline = data.IndexOf((byte)'\n');
            var segment = newline >= 0 ? data[..newline] : data;
            ref var pendingLength = ref _pendingLength[stream];
            // A line longer than 16 KiB goes out in 16 KiB pieces without '\n', as docker's.
            while (pendingLength + segment.Length > MaxLine)
            {
                var take = MaxLine - pendingLength;
                Emit(stream, Pending(stream), segment[..take], newline: false);
                pendingLength = 0;
                segment = segment[take..];
            }
            if (newline >= 0)
            {
                Emit(stream, Pending(stream), segment, newline: true);
                pendingLength = 0;
                data = data[(newline + 1)..];
            }
            else
            {
                var pending = _pending[stream] ??= new byte[MaxLine];
                segment.CopyTo(pending.AsSpan(pendingLength));
                pendingLength += segment.Length;
                if (pendingLength == MaxLine)
                {
                    Emit(stream, pending, [], newline: false);
                    pendingLength = 0;
                }
                break;
            }
        }
    }

    /// <summary>The stream ended: its unfinished line is logged as it is.</summary>
    public void EndOfStream(int stream)
    {
        if (_pendingLength[stream] == 0) return;
        FormatNow();
        Emit(stream, Pending(stream), [], newline: false);
        _pendingLength[stream] = 0;
    }

    public void Flush()
    {
        if (_outLength == 0) return;
        _file.Write(_out, 0, _outLength);
        _fileSize += _outLength;
        _outLength = 0;
    }

    private static FileStream Open(string path) =>
        new(path, FileModes.Create(FileMode.Append, FileAccess.Write, FileModes.LogFile, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0));

    /// <summary>Closes the full file and starts an empty one; readers follow the rename by inode.</summary>
    private void Rotate()
    {
        Flush();
        _file.Dispose();
        if (maxFiles > 1)
        {
            File.Delete($"{path}.{maxFiles - 1}");
            for (var i = maxFiles - 2; i >= 1; i--)
                if (File.Exists($"{path}.{i}")) File.Move($"{path}.{i}", $"{path}.{i + 1}");
            File.Move(path, path + ".1");
            _file = Open(path);
        }
        else
        {
            _file = Open(path);
            _file.SetLength(0);
        }
        _fileSize = 0;
    }

    public void Dispose()
    {
        Flush();
        _file.Dispose();
    }

    private ReadOnlySpan<byte> Pending(int stream) => _pending[stream].AsSpan(0, _pendingLength[stream]);

    private void Emit(int stream, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, bool newline)
    {
        // Worst case every byte becomes \u00XX (6 bytes); plus the fixed parts.
        if (maxSize > 0 && _fileSize + _outLength >= maxSize) Rotate();
        var worst = 6 * (first.Length + second.Length) + 2 + 8 + StreamSuffix[stream].Length + _timeLength + 3;
        if (_outLength + worst > _out.Length)
        {
            Flush();
            if (worst > _out.Length) _out = new byte[worst];
        }
        Put("{\"log\":\""u8);
        // Escape the two halves as one text: a UTF-8 sequence may straddle them. When both
        // exist, first is the pending line and the pair never exceeds its 16 KiB buffer.
        if (first.IsEmpty || second.IsEmpty) Escape(first.IsEmpty ? second : first);
        else
        {
            var pending = _pending[stream]!;
            second.CopyTo(pending.AsSpan(first.Length));
            Escape(pending.AsSpan(0, first.Length + second.Length));
        }
        if (newline) Put("\\n"u8);
        Put(StreamSuffix[stream]);
        Put(_time.AsSpan(0, _timeLength));
        Put("\"}\n"u8);
        if (_outLength >= FlushThreshold) Flush();
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_out.AsSpan(_outLength));
        _outLength += bytes.Length;
    }

    /// <summary>
    /// JSON string escaping as docker's json-file writer does it: \" \\ \n \r \t, other
    /// control characters and &lt; &gt; &amp; as \u00XX, invalid UTF-8 bytes as \ufffd each,
    /// U+2028/U+2029 escaped; everything else copied.
    /// </summary>
    private void Escape(ReadOnlySpan<byte> text)
    {
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            var b = text[i];
            if (b >= 0x80)
            {
                var status = Rune.DecodeFromUtf8(text[i..], out var rune, out var consumed);
                if (status == System.Buffers.OperationStatus.Done && rune.Value != 0x2028 && rune.Value != 0x2029)
                {
                    i += consumed;
                    continue;
                }
                Put(text[start..i]);
                if (status == System.Buffers.OperationStatus.Done) { Put(rune.Value == 0x2028 ? "\\u2028"u8 : "\\u2029"u8); i += consumed; }
                else { Put("\\ufffd"u8); i++; }
                start = i;
                continue;
            }
            if (b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&') { i++; continue; }
            Put(text[start..i]);
            switch (b)
            {
                case (byte)'"': Put("\\\""u8); break;
                case (byte)'\\': Put("\\\\"u8); break;
                case (byte)'\n': Put("\\n"u8); break;
                case (byte)'\r': Put("\\r"u8); break;
                case (byte)'\t': Put("\\t"u8); break;
                default:
                    Put("\\u00"u8);
                    _out[_outLength++] = Hex(b >> 4);
                    _out[_outLength++] = Hex(b & 0xf);
                    break;
            }
            start = ++i;
        }
        Put(text[start..]);
    }

    private static byte Hex(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);

    /// <summary>Go's RFC3339Nano in UTC (what docker writes): nanoseconds, trailing zeros dropped.</summary>
    private void FormatNow()
    {
        var now = Libc.RealTimeNow();
        var date = DateTime.UnixEpoch.AddSeconds(now.Seconds);
        var span = _time.AsSpan();
        date.TryFormat(span, out var n, "yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var nanos = (int)now.Nanoseconds;
        if (nanos != 0)
        {
            span[n++] = (byte)'.';
            var digits = 9;
            while (nanos % 10 == 0) { nanos /= 10; digits--; }
            for (var d = digits - 1; d >= 0; d--) { span[n + d] = (byte)('0' + nanos % 10); nanos /= 10; }
            n += digits;
        }
        span[n++] = (byte)'Z';
        _timeLength = n;
    }
}
