import { lazy, type ReactNode, Suspense } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { RequirePermission, RequireSession } from './components/Guards.tsx';
import { Layout } from './components/Layout.tsx';
import { I18nProvider } from './i18n/index.tsx';
import { Audit } from './pages/Audit.tsx';
import { CareUnits } from './pages/CareUnits.tsx';
import { ContactImport } from './pages/ContactImport.tsx';
import { Home } from './pages/Home.tsx';
import { Imports } from './pages/Imports.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { OptInConfirm } from './pages/OptInConfirm.tsx';
import { PatientPage } from './pages/PatientPage.tsx';
import { PatientSearch } from './pages/PatientSearch.tsx';
import { ProfilePage } from './pages/ProfilePage.tsx';
import { Profiles } from './pages/Profiles.tsx';
import { Roles } from './pages/Roles.tsx';
import { Segments } from './pages/Segments.tsx';
import { Setup } from './pages/Setup.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Tokens } from './pages/Tokens.tsx';
import { Users } from './pages/Users.tsx';
import { SessionProvider } from './session.tsx';
import { ThemeProvider } from './theme.tsx';

const guarded = (permission: string, page: ReactNode) => (
  <RequirePermission permission={permission}>{page}</RequirePermission>
);

// The segment builder brings the definition schema (zod) along: loaded when first opened.
const SegmentPage = lazy(() => import('./pages/SegmentPage.tsx').then((m) => ({ default: m.SegmentPage })));
const segmentPage = (
  <Suspense fallback={null}>
    <SegmentPage />
  </Suspense>
);

/** The staff app: everything behind sign-in, plus the sign-in and set-password pages. */
function StaffApp() {
  return (
    <I18nProvider>
      <ThemeProvider>
        <SessionProvider>
          <Routes>
            <Route path="/signin" element={<SignIn />} />
            <Route path="/setup" element={<Setup />} />
            <Route
              element={
                <RequireSession>
                  <Layout />
                </RequireSession>
              }
            >
              <Route index element={<Home />} />
              <Route path="patients" element={guarded('patient:read', <PatientSearch />)} />
              <Route path="patients/:id" element={guarded('patient:read', <PatientPage />)} />
              <Route path="profiles" element={guarded('patient:read', <Profiles />)} />
              <Route path="profiles/:id" element={guarded('patient:read', <ProfilePage />)} />
              <Route path="segments" element={guarded('segment:read', <Segments />)} />
              <Route path="segments/new" element={guarded('segment:write', segmentPage)} />
              <Route path="segments/:id" element={guarded('segment:read', segmentPage)} />
              <Route path="sources/import" element={guarded('source:manage', <ContactImport />)} />
              <Route path="admin/users" element={guarded('user:read', <Users />)} />
              <Route path="admin/roles" element={guarded('user:read', <Roles />)} />
              <Route path="admin/care-units" element={guarded('user:read', <CareUnits />)} />
              <Route path="admin/tokens" element={guarded('token:read', <Tokens />)} />
              <Route path="audit" element={guarded('audit:read', <Audit />)} />
              <Route path="imports" element={guarded('import:read', <Imports />)} />
              <Route path="*" element={<NotFound />} />
            </Route>
          </Routes>
        </SessionProvider>
      </ThemeProvider>
    </I18nProvider>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <Routes>
        {/* Pages for patients: no session, Swedish unless the visitor chose otherwise. */}
        <Route
          path="/confirm/:token"
          element={
            <I18nProvider fallback="sv">
              <ThemeProvider>
                <OptInConfirm />
              </ThemeProvider>
            </I18nProvider>
          }
        />
        <Route path="*" element={<StaffApp />} />
      </Routes>
    </BrowserRouter>
  );
}
