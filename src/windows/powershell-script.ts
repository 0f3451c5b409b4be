/**
 * The PowerShell side of the Windows sampler, and the line protocol spoken with it.
 *
 * The sidecar starts `powershell.exe -NoProfile -NonInteractive -Command -` once and keeps it.
 * PowerShell then runs each line it reads on stdin. The first line (`bootstrapLine`) defines
 * `Invoke-NetstatOtelSample`; it carries the script base64-encoded so that the whole definition
 * is one line (with `-Command -`, a multi-line statement needs an extra blank line to end, which
 * is easy to get wrong). Each sample is then one request line, and one response line comes back:
 *
 *   request:  Invoke-NetstatOtelSample -Id '<id>'
 *   response: @@netstat-otel@@ <id> <json on one line>
 *
 * Any other output (warnings, a prompt) is ignored by the reader; the marker may be preceded by
 * such text on the same line. The id lets a late answer to a request that already timed out be
 * told apart from the answer being waited for.
 *
 * JSON document (`version` 1): every part is a key; a part whose cmdlet failed is `null` and
 * listed in `errors` as `{part, message}`. Arrays are always arrays (the `,@(...)` idiom keeps
 * PowerShell from unrolling one-element and empty arrays). Enum-typed values are cast: State to
 * its number (see ./states.ts), AddressFamily to its name.
 */

export const RESPONSE_MARKER = '@@netstat-otel@@';
export const SAMPLE_FUNCTION = 'Invoke-NetstatOtelSample';
export const SCRIPT_VERSION = 1;

/** The parts of the JSON document, as the script names them. */
export const POWERSHELL_PARTS = [
  'tcp',
  'udp',
  'processes',
  'adapters',
  'routes',
  'tcpStatistics',
  'udpStatistics',
  'dynamicPortRange',
  'firewall',
] as const;
export type PowerShellPart = (typeof POWERSHELL_PARTS)[number];

export const SAMPLE_SCRIPT = String.raw`
function Invoke-NetstatOtelSample {
  param([string]$Id)
  $ErrorActionPreference = 'Stop'
  $ProgressPreference = 'SilentlyContinue'
  $errors = New-Object System.Collections.ArrayList
  $doc = [ordered]@{ version = 1; id = $Id; timestamp = [DateTime]::UtcNow.ToString('o') }

  $parts = [ordered]@{
    tcp = {
      ,@(Get-NetTCPConnection | ForEach-Object {
        [ordered]@{
          LocalAddress = $_.LocalAddress; LocalPort = [int]$_.LocalPort
          RemoteAddress = $_.RemoteAddress; RemotePort = [int]$_.RemotePort
          State = [int]$_.State; OwningProcess = $_.OwningProcess
        }
      })
    }
    udp = {
      ,@(Get-NetUDPEndpoint | ForEach-Object {
        [ordered]@{ LocalAddress = $_.LocalAddress; LocalPort = [int]$_.LocalPort; OwningProcess = $_.OwningProcess }
      })
    }
    processes = {
      ,@(Get-Process | ForEach-Object { [ordered]@{ Id = $_.Id; ProcessName = $_.ProcessName } })
    }
    adapters = {
      ,@(Get-NetAdapterStatistics | ForEach-Object {
        [ordered]@{
          Name = $_.Name; InterfaceDescription = $_.InterfaceDescription
          ReceivedBytes = $_.ReceivedBytes; ReceivedUnicastPackets = $_.ReceivedUnicastPackets
          ReceivedMulticastPackets = $_.ReceivedMulticastPackets; ReceivedBroadcastPackets = $_.ReceivedBroadcastPackets
          ReceivedDiscardedPackets = $_.ReceivedDiscardedPackets; ReceivedPacketErrors = $_.ReceivedPacketErrors
          SentBytes = $_.SentBytes; SentUnicastPackets = $_.SentUnicastPackets
          SentMulticastPackets = $_.SentMulticastPackets; SentBroadcastPackets = $_.SentBroadcastPackets
          OutboundDiscardedPackets = $_.OutboundDiscardedPackets; OutboundPacketErrors = $_.OutboundPacketErrors
        }
      })
    }
    routes = {
      ,@(Get-NetRoute -PolicyStore ActiveStore | ForEach-Object {
        [ordered]@{
          DestinationPrefix = $_.DestinationPrefix; NextHop = $_.NextHop
          InterfaceAlias = $_.InterfaceAlias; InterfaceIndex = $_.InterfaceIndex
          RouteMetric = $_.RouteMetric; InterfaceMetric = $_.InterfaceMetric
          AddressFamily = [string]$_.AddressFamily
        }
      })
    }
    tcpStatistics = {
      ,@(foreach ($class in 'Win32_PerfRawData_Tcpip_TCPv4', 'Win32_PerfRawData_Tcpip_TCPv6') {
        $c = Get-CimInstance -ClassName $class
        [ordered]@{
          Class = $class
          ConnectionFailures = $c.ConnectionFailures; ConnectionsActive = $c.ConnectionsActive
          ConnectionsEstablished = $c.ConnectionsEstablished; ConnectionsPassive = $c.ConnectionsPassive
          ConnectionsReset = $c.ConnectionsReset; SegmentsReceivedPersec = $c.SegmentsReceivedPersec
          SegmentsRetransmittedPersec = $c.SegmentsRetransmittedPersec; SegmentsSentPersec = $c.SegmentsSentPersec
        }
      })
    }
    udpStatistics = {
      ,@(foreach ($class in 'Win32_PerfRawData_Tcpip_UDPv4', 'Win32_PerfRawData_Tcpip_UDPv6') {
        $c = Get-CimInstance -ClassName $class
        [ordered]@{
          Class = $class
          DatagramsReceivedPersec = $c.DatagramsReceivedPersec; DatagramsSentPersec = $c.DatagramsSentPersec
          DatagramsNoPortPersec = $c.DatagramsNoPortPersec; DatagramsReceivedErrors = $c.DatagramsReceivedErrors
        }
      })
    }
    dynamicPortRange = {
      $s = Get-NetTCPSetting | Where-Object { $_.DynamicPortRangeStartPort } | Select-Object -First 1
      if ($s) { [ordered]@{ StartPort = [int]$s.DynamicPortRangeStartPort; NumberOfPorts = [int]$s.DynamicPortRangeNumberOfPorts } }
    }
    firewall = {
      $rules = @(Get-NetFirewallRule | Sort-Object -Property Name)
      $lines = @($rules | ForEach-Object { '{0}|{1}|{2}|{3}|{4}' -f $_.Name, $_.Enabled, $_.Direction, $_.Action, $_.Profile })
      $profiles = @(Get-NetFirewallProfile | Sort-Object -Property Name | ForEach-Object {
        '{0}={1}|{2}|{3}' -f $_.Name, $_.Enabled, $_.DefaultInboundAction, $_.DefaultOutboundAction
      })
      $text = ($profiles + $lines) -join [string][char]10
      $sha = [System.Security.Cryptography.SHA256]::Create()
      $hash = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($text))
      [ordered]@{
        RuleCount = $rules.Count
        EnabledRuleCount = @($rules | Where-Object { [string]$_.Enabled -eq 'True' }).Count
        Profiles = $profiles
        Sha256 = ([System.BitConverter]::ToString($hash) -replace '-', '').ToLowerInvariant()
      }
    }
  }

  foreach ($name in @($parts.Keys)) {
    try { $doc[$name] = & $parts[$name] }
    catch {
      $doc[$name] = $null
      [void]$errors.Add([ordered]@{ part = $name; message = $_.Exception.Message })
    }
  }
  $doc['errors'] = @($errors)
  $json = ConvertTo-Json -InputObject $doc -Depth 6 -Compress
  [Console]::Out.WriteLine('${RESPONSE_MARKER} ' + $Id + ' ' + $json)
  [Console]::Out.Flush()
}
`;

/**
 * The first line written to a fresh PowerShell: UTF-8 output (process names are not all ASCII),
 * then the script above, decoded and dot-sourced so the function lands in the global scope.
 */
export function bootstrapLine(script: string = SAMPLE_SCRIPT): string {
  const encoded = Buffer.from(script, 'utf8').toString('base64');
  return (
    '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; ' +
    `. ([ScriptBlock]::Create([System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('${encoded}'))))`
  );
}

/** One request line. Ids are generated by the session (digits only), so quoting is safe. */
export function requestLine(id: string): string {
  return `${SAMPLE_FUNCTION} -Id '${id}'`;
}
