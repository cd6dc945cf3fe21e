; NSIS installer for Curator's one-folder bundle (Windows).
;
; Build the bundle first, on Windows (PyInstaller does not cross-compile):
;     .venv\Scripts\pyinstaller --noconfirm packaging\curator.spec      -> dist\curator\
; then, from the repository root:
;     makensis /DVERSION=0.1.0 packaging\windows\curator.nsi          -> dist\Curator-0.1.0-setup.exe
;
; Installs to Program Files (per machine, needs admin), adds a Start-menu shortcut to curator-gui.exe (no
; console window), registers "Open with Curator" for .ris, .nbib and .bib (Curator becomes the default only
; where no other program owns the extension), puts `curator` (the CLI) on no PATH (call it by full path or
; add the folder yourself), and writes an uninstaller listed in Apps & features.

Unicode true
SetCompressor /SOLID lzma

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!define APPNAME "Curator"
!define COMPANY "Curator"
!define PROGID_REFS "Curator.References"
!define DIST "..\..\dist\curator"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPNAME}"

Name "${APPNAME} ${VERSION}"
OutFile "..\..\dist\Curator-${VERSION}-setup.exe"
InstallDir "$PROGRAMFILES64\${APPNAME}"
InstallDirRegKey HKLM "Software\${APPNAME}" "InstallDir"
RequestExecutionLevel admin
BrandingText "${APPNAME} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APPNAME}"
VIAddVersionKey "FileDescription" "${APPNAME} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "MIT licence"

!include "MUI2.nsh"
!include "x64.nsh"

!define MUI_ICON "..\curator.ico"
!define MUI_UNICON "..\curator.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\curator-gui.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start Curator"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; --- file associations -----------------------------------------------------------------------------
; ProgID with an open verb; each extension lists it under OpenWithProgids and, when nothing else owns the
; extension yet, as its default.
!macro AssociateExt EXT
  WriteRegStr HKLM "Software\Classes\${EXT}\OpenWithProgids" "${PROGID_REFS}" ""
  ReadRegStr $0 HKLM "Software\Classes\${EXT}" ""
  StrCmp $0 "" 0 +2
    WriteRegStr HKLM "Software\Classes\${EXT}" "" "${PROGID_REFS}"
  WriteRegStr HKLM "Software\Classes\Applications\curator-gui.exe\SupportedTypes" "${EXT}" ""
!macroend

!macro UnassociateExt EXT
  DeleteRegValue HKLM "Software\Classes\${EXT}\OpenWithProgids" "${PROGID_REFS}"
  ReadRegStr $0 HKLM "Software\Classes\${EXT}" ""
  StrCmp $0 "${PROGID_REFS}" 0 +2
    DeleteRegValue HKLM "Software\Classes\${EXT}" ""
!macroend

Section "Curator" SecMain
  SectionIn RO
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "Curator needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all

  ; an upgrade replaces the whole folder: stale DLLs from an older bundle must not linger
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${DIST}\*.*"

  CreateDirectory "$SMPROGRAMS\${APPNAME}"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk" "$INSTDIR\curator-gui.exe" "" "$INSTDIR\curator-gui.exe" 0
  CreateShortcut "$SMPROGRAMS\${APPNAME}\Uninstall ${APPNAME}.lnk" "$INSTDIR\uninstall.exe"

  ; "Open with Curator" for reference files
  WriteRegStr HKLM "Software\Classes\${PROGID_REFS}" "" "Reference list (Curator)"
  WriteRegStr HKLM "Software\Classes\${PROGID_REFS}\DefaultIcon" "" "$INSTDIR\curator-gui.exe,0"
  WriteRegStr HKLM "Software\Classes\${PROGID_REFS}\shell\open\command" "" '"$INSTDIR\curator-gui.exe" "%1"'
  WriteRegStr HKLM "Software\Classes\Applications\curator-gui.exe" "FriendlyAppName" "${APPNAME}"
  WriteRegStr HKLM "Software\Classes\Applications\curator-gui.exe\shell\open\command" "" '"$INSTDIR\curator-gui.exe" "%1"'
  !insertmacro AssociateExt ".ris"
  !insertmacro AssociateExt ".nbib"
  !insertmacro AssociateExt ".bib"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'  ; SHCNE_ASSOCCHANGED

  ; uninstaller + Apps & features entry
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "Software\${APPNAME}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${COMPANY}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\curator-gui.exe,0"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetRegView 64
  SetShellVarContext all
  ; the user's libraries, settings and logs (%LOCALAPPDATA%\Curator\Curator) stay
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\curator.exe"
  Delete "$INSTDIR\curator-gui.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  Delete "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk"
  Delete "$SMPROGRAMS\${APPNAME}\Uninstall ${APPNAME}.lnk"
  RMDir "$SMPROGRAMS\${APPNAME}"

  !insertmacro UnassociateExt ".ris"
  !insertmacro UnassociateExt ".nbib"
  !insertmacro UnassociateExt ".bib"
  DeleteRegKey HKLM "Software\Classes\${PROGID_REFS}"
  DeleteRegKey HKLM "Software\Classes\Applications\curator-gui.exe"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  DeleteRegKey HKLM "${UNINST_KEY}"
  DeleteRegKey HKLM "Software\${APPNAME}"
SectionEnd
