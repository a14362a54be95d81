; The Windows installer: Inno Setup 6, for one user, without administrator rights.
;
;   iscc /DVersion=1.2.3 /DDist=<absolute path of build\nuitka\hotprevue.dist> /O<folder> hotprevue.iss
;
; Dist defaults to the folder `python -m installers.build` makes in this repository.
; Uninstalling leaves the catalog alone: it lives in %LOCALAPPDATA%\Hotprevue (platformdirs'
; user data folder, see protocol/local.py), outside the program folder, and removing the
; program must never cost anyone their catalog.

#ifndef Version
  #error Give the version to package: iscc /DVersion=1.2.3
#endif
#ifndef Dist
  #define Dist AddBackslash(SourcePath) + "..\..\build\nuitka\hotprevue.dist"
#endif
#define Exe "hotprevue.exe"

[Setup]
; Fixed for good: Windows knows an upgrade of this program, not a second one, by it.
AppId={{7478CB11-B28E-418B-870B-C2731039A4C1}
AppName=Hotprevue
AppVersion={#Version}
AppVerName=Hotprevue {#Version}
AppPublisher=Hotprevue
; lowest: no UAC prompt, installed for this user only. In that mode {autopf} is the
; user's programs folder, %LOCALAPPDATA%\Programs, so the program lands in
; %LOCALAPPDATA%\Programs\Hotprevue.
PrivilegesRequired=lowest
DefaultDirName={autopf}\Hotprevue
DisableProgramGroupPage=yes
; The build is a 64-bit program; 64-bit mode also makes {sys} the real System32 for the
; uninstaller's process clean-up below.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\build
OutputBaseFilename=hotprevue-{#Version}-windows-x64-setup
SetupIconFile=..\icons\hotprevue.ico
UninstallDisplayIcon={app}\{#Exe}
UninstallDisplayName=Hotprevue
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; An upgrade replaces files the running tray has open. PrepareToInstall below stops the
; daemon cleanly first; what is left is the tray, which holds no data, and whose hidden
; window may ignore a polite close: force closes it. The finished page starts it again,
; so the Restart Manager need not.
CloseApplications=force
RestartApplications=no

[Tasks]
Name: autostart; Description: "Start Hotprevue at login"; Flags: unchecked

[Files]
Source: "{#Dist}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Hotprevue"; Filename: "{app}\{#Exe}"; Parameters: "tray"; Comment: "Photo catalog: keeps the daemon running and shows what it does"

[Run]
; The program writes the Run value itself (and keeps Task Manager's switch in step), as
; its tray menu and `hotprevue autostart` do: one writer, one format.
Filename: "{app}\{#Exe}"; Parameters: "autostart enable"; Tasks: autostart; StatusMsg: "Turning on start at login..."; Flags: runhidden
Filename: "{app}\{#Exe}"; Parameters: "tray"; Description: "Start Hotprevue"; Flags: postinstall nowait skipifsilent

[UninstallRun]
; First the daemon, cleanly: it stops its PostgreSQL, whose programs are in {app}. The
; tray sees a clean stop and does not start it again.
Filename: "{app}\{#Exe}"; Parameters: "stop"; Flags: runhidden waituntilterminated; RunOnceId: "StopDaemon"
Filename: "{app}\{#Exe}"; Parameters: "autostart disable"; Flags: runhidden; RunOnceId: "DisableAutostart"
; The uninstaller has no Restart Manager to close the tray with, and a running program's
; files cannot be deleted: end whatever still runs from {app} (the tray; a daemon that did
; not stop within its minute). Matched by path, so another copy of Hotprevue is spared.
Filename: "{sys}\WindowsPowerShell\v1.0\powershell.exe"; WorkingDir: "{app}"; Parameters: "-NoProfile -NonInteractive -Command ""$app = (Get-Location).ProviderPath.TrimEnd('\') + '\'; Get-Process | Where-Object {{ $_.Path -and $_.Path.StartsWith($app, [StringComparison]::OrdinalIgnoreCase) } | Stop-Process -Force"""; Flags: runhidden waituntilterminated; RunOnceId: "EndLeftovers"

[Code]
const
  RunKey = 'Software\Microsoft\Windows\CurrentVersion\Run';
  ApprovedKey = 'Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run';
  RunValue = 'Hotprevue';

function PrepareToInstall(var NeedsRestart: Boolean): String;
var
  Installed: String;
  ResultCode: Integer;
begin
  // An upgrade: the installed program stops its daemon before its files are replaced
  // (the Restart Manager would only kill it, PostgreSQL with it).
  Installed := ExpandConstant('{app}\{#Exe}');
  if FileExists(Installed) then
    Exec(Installed, 'stop', '', SW_HIDE, ewWaitUntilTerminated, ResultCode);
  Result := '';
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  // In case `hotprevue autostart disable` could not run (a damaged install): without this
  // Windows would try to start a program that is gone at every login. Task Manager's
  // on/off record of the entry goes with it.
  if CurUninstallStep = usUninstall then
  begin
    RegDeleteValue(HKEY_CURRENT_USER, RunKey, RunValue);
    RegDeleteValue(HKEY_CURRENT_USER, ApprovedKey, RunValue);
  end;
end;
