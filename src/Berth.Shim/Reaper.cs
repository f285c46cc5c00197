using System.Runtime.InteropServices;
using Berth.Core.Interop;

namespace Berth.Shim;

/// <summary>
/// The shim's only waiter for children. As child subreaper the shim inherits the container's
/// init (once runc exits) and any orphan below it, so a single thread reaps everything and
/// hands exit codes to whoever registered the pid: no other code calls waitpid (the shim never
/// uses System.Diagnostics.Process, whose own SIGCHLD reaping would race with this).
///
/// The thread first learns which child exited with waitid(WNOWAIT), which leaves it a zombie,
/// and reaps it only under <see cref="_lock"/>. <see cref="Signal"/> takes the same lock, so a
/// signal can never hit a recycled pid.
/// </summary>
internal sealed unsafe class Reaper
{
    private readonly object _lock = new();
    private readonly Dictionary<int, TaskCompletionSource<int>> _watchers = [];
    // Exits nobody registered yet: a child can exit before its spawner registers it, and the
    // init can die between `runc create` returning and the shim reading the pid file.
    private readonly Dictionary<int, int> _unclaimed = [];
    private readonly HashSet<int> _reaped = [];
    private bool _spawned;

    public Reaper()
    {
        // Small stack: this thread only ever sits in waitid.
        new Thread(Loop, 64 * 1024) { IsBackground = true, Name = "reaper" }.Start();
    }

    /// <summary>Spawns a child and returns a task for its exit code.</summary>
    public Task<int> Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, ReadOnlySpan<int> stdio)
    {
        lock (_lock)
        {
            var pid = Libc.Spawn(path, argv, envp, stdio);
            _spawned = true;
            Monitor.PulseAll(_lock);
            return WatchLocked(pid);
        }
    }

    /// <summary>Exit code of <paramref name="pid"/>, which must be (or become) our child.</summary>
    public Task<int> Watch(int pid)
    {
        lock (_lock) return WatchLocked(pid);
    }

    private Task<int> WatchLocked(int pid)
    {
        if (_unclaimed.Remove(pid, out var code)) return Task.FromResult(code);
        var tcs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _watchers[pid] = tcs;
        return tcs.Task;
    }

    /// <summary>kill(2) unless the process was already reaped. False when it is gone.</summary>
    public bool Signal(int pid, int signal)
    {
        lock (_lock)
        {
            if (_reaped.Contains(pid)) return false;
            if (Libc.Kill(pid, signal) == 0) return true;
            if (Marshal.GetLastPInvokeError() == Errno.ESRCH) return false;
            Libc.ThrowLastError("kill", pid.ToString());
            return false;
        }
    }

    private void Loop()
    {
        var info = stackalloc byte[128]; // siginfo_t
        while (true)
        {
            new Span<byte>(info, 128).Clear();
            if (Libc.Waitid(Libc.P_ALL, 0, info, Libc.WEXITED | Libc.WNOWAIT) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ECHILD)
                {
                    // No children right now: sleep until the next spawn (re-parented orphans
                    // only arrive when one of our children exits, so we cannot miss them).
                    lock (_lock)
                    {
                        while (!_spawned) Monitor.Wait(_lock);
                        _spawned = false;
                    }
                }
                continue;
            }
            var pid = *(int*)(info + 16); // si_pid
            lock (_lock)
            {
                int status;
                if (Libc.Waitpid(pid, &status, Libc.WNOHANG) != pid) continue;
                var code = Libc.ExitCodeFromWaitStatus(status);
                _reaped.Add(pid);
                if (_watchers.Remove(pid, out var tcs))
                {
                    tcs.SetResult(code);
                }
                else
                {
                    // Keep a bounded memory of strays; only a late-registered child needs one.
                    if (_unclaimed.Count > 64) _unclaimed.Clear();
                    _unclaimed[pid] = code;
                }
            }
        }
    }
}
